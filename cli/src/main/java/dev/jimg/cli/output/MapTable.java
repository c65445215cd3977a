package dev.jimg.cli.output;

import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * {@code qemu-img map}'s human table — {@code "%-16s%-16s%-16s%s\n"} of offset, length, host
 * offset and file per data extent, numbers as C's {@code %#x} — assembled as bytes.
 *
 * <p>An image can have thousands of extents, and {@code map} runs while the JVM still interprets:
 * formatting each line through strings cost more than finding its extent. Here a line is hex
 * digits written into a byte buffer and array copies: the length column while lengths repeat,
 * the host column of a raw image (its offset column), and the file name.
 */
public final class MapTable {
    private static final int COLUMN = 16;
    /** {@code 0x} and 16 digits overflow the column, as in C. */
    private static final int WIDEST = 18;

    private final AsciiBuffer text;
    private final Charset charset;
    private long lastLength = -1;
    private final byte[] lengthColumn = new byte[WIDEST];
    private int lengthColumnSize;
    private String lastFile;
    private byte[] fileBytes;

    /** A table written to {@code out}, file names in its charset. */
    public MapTable(PrintStream out) {
        this.text = new AsciiBuffer(out);
        this.charset = out.charset();
    }

    /** The heading line. */
    public void header() {
        text.put("Offset          Length          Mapped to       File\n".getBytes(charset));
    }

    /** One data extent's line. */
    public void row(long offset, long length, long hostOffset, String file) {
        if (!file.equals(lastFile)) {
            lastFile = file;
            fileBytes = (file + "\n").getBytes(charset);
        }
        text.reserve(3 * WIDEST);
        int offsetColumn = text.position();
        column(offset);
        int offsetColumnSize = text.position() - offsetColumn;
        if (length != lastLength) {
            lastLength = length;
            int at = text.position();
            column(length);
            lengthColumnSize = text.position() - at;
            text.copyOut(at, lengthColumnSize, lengthColumn);
        } else {
            text.put(lengthColumn, lengthColumnSize);
        }
        if (hostOffset == offset) {
            text.copyWithin(offsetColumn, offsetColumnSize);
        } else {
            column(hostOffset);
        }
        text.put(fileBytes);
    }

    /** Writes out what is buffered. */
    public void flush() {
        text.flush();
    }

    /** {@code %#x} in a 16-wide column ({@code %-16s}): {@code 0x} prefix except for zero. */
    private void column(long v) {
        int start = text.position();
        if (v != 0) {
            text.put('0');
            text.put('x');
        }
        text.hex(v);
        text.repeat(' ', COLUMN - (text.position() - start));
    }
}
