package dev.jimg.cli.output;

import java.io.PrintStream;

/**
 * Text assembled as bytes in a 64 KiB buffer in front of a print stream, numbers written digit
 * by digit: for output of thousands of lines ({@code map}) while the JVM still interprets, where
 * formatting through strings and encoding them cost more than producing the values.
 */
final class AsciiBuffer {
    private static final int SIZE = 1 << 16;
    private static final byte[] DIGITS = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd',
        'e', 'f'};

    private final PrintStream out;
    private final byte[] buffer = new byte[SIZE];
    private final byte[] scratch = new byte[19];
    private int used;

    AsciiBuffer(PrintStream out) {
        this.out = out;
    }

    /** Bytes written since the buffer was last emptied; an index for {@link #copyWithin}. */
    int position() {
        return used;
    }

    /** Makes room for {@code bytes} more, writing out what is buffered if need be. */
    void reserve(int bytes) {
        if (bytes > SIZE - used) {
            flush();
        }
    }

    /** Appends {@code bytes}, which may be longer than the buffer. */
    void put(byte[] bytes) {
        if (bytes.length > SIZE - used) {
            flush();
            if (bytes.length > SIZE) {
                out.write(bytes, 0, bytes.length);
                return;
            }
        }
        System.arraycopy(bytes, 0, buffer, used, bytes.length);
        used += bytes.length;
    }

    /** Appends {@code length} bytes from {@code from}, within room {@link #reserve reserved}. */
    void put(byte[] from, int length) {
        System.arraycopy(from, 0, buffer, used, length);
        used += length;
    }

    /** Appends the {@code length} bytes buffered at {@code start} again, within room reserved. */
    void copyWithin(int start, int length) {
        System.arraycopy(buffer, start, buffer, used, length);
        used += length;
    }

    /** Copies {@code length} buffered bytes from {@code start} into {@code to}. */
    void copyOut(int start, int length, byte[] to) {
        System.arraycopy(buffer, start, to, 0, length);
    }

    void put(char ascii) {
        buffer[used++] = (byte) ascii;
    }

    /** {@code ascii} repeated {@code count} times, within room reserved. */
    void repeat(char ascii, int count) {
        for (int i = 0; i < count; i++) {
            buffer[used++] = (byte) ascii;
        }
    }

    /** Lower-case hex digits of {@code v}, without prefix, within room reserved (16 at most). */
    void hex(long v) {
        int digits = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(v) + 3) / 4);
        for (int i = digits - 1; i >= 0; i--) {
            buffer[used + i] = DIGITS[(int) (v & 0xf)];
            v >>>= 4;
        }
        used += digits;
    }

    /** Decimal digits of {@code v}, which is not negative, within room reserved (19 at most). */
    void decimal(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative: " + v);
        }
        // Backwards into the scratch array, then copied: one division per digit.
        int at = scratch.length;
        do {
            scratch[--at] = DIGITS[(int) (v % 10)];
            v /= 10;
        } while (v != 0);
        System.arraycopy(scratch, at, buffer, used, scratch.length - at);
        used += scratch.length - at;
    }

    /** Writes out what is buffered. */
    void flush() {
        out.write(buffer, 0, used);
        used = 0;
    }
}
