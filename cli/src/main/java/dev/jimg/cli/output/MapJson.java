package dev.jimg.cli.output;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code qemu-img map --output=json} as qemu-img 7.2 prints it — a list with one entry per line,
 * {@code { "start": 0, "length": 65536, "depth": 0, "present": true, "zero": false, "data": true,
 * "offset": 327680}} — assembled as bytes, for the reason {@link MapTable} gives.
 */
public final class MapJson {
    private static final byte[] START = ascii("{ \"start\": ");
    private static final byte[] LENGTH = ascii(", \"length\": ");
    private static final byte[] DEPTH = ascii(", \"depth\": ");
    private static final byte[] PRESENT = ascii(", \"present\": ");
    private static final byte[] ZERO = ascii(", \"zero\": ");
    private static final byte[] DATA = ascii(", \"data\": ");
    private static final byte[] OFFSET = ascii(", \"offset\": ");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    /**
     * More than the longest entry with the separator before it (164 bytes): the names, braces
     * and {@code ",\n"} (82), three 19-digit numbers, a 10-digit depth and three {@code false}.
     */
    private static final int LONGEST = 192;

    private final AsciiBuffer text;
    private boolean first = true;

    public MapJson(PrintStream out) {
        this.text = new AsciiBuffer(out);
        text.put('[');
    }

    /** One extent; {@code hostOffset} negative when there is none to print. */
    public void entry(long start, long length, int depth, boolean present, boolean zero, boolean data,
            long hostOffset) {
        text.reserve(LONGEST);
        if (!first) {
            text.put(',');
            text.put('\n');
        }
        first = false;
        text.put(START, START.length);
        text.decimal(start);
        text.put(LENGTH, LENGTH.length);
        text.decimal(length);
        text.put(DEPTH, DEPTH.length);
        text.decimal(depth);
        bool(PRESENT, present);
        bool(ZERO, zero);
        bool(DATA, data);
        if (hostOffset >= 0) {
            text.put(OFFSET, OFFSET.length);
            text.decimal(hostOffset);
        }
        text.put('}');
    }

    /** Closes the list and writes out what is buffered. */
    public void finish() {
        text.reserve(2);
        text.put(']');
        text.put('\n');
        text.flush();
    }

    private void bool(byte[] name, boolean value) {
        text.put(name, name.length);
        byte[] word = value ? TRUE : FALSE;
        text.put(word, word.length);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
