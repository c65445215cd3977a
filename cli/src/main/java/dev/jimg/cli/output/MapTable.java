package dev.jimg.cli.output;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.Arrays;

/**
 * {@code qemu-img map}'s human table — {@code "%-16s%-16s%-16s%s\n"} of offset, length, host
 * offset and file per data extent, numbers as C's {@code %#x} — assembled as bytes.
 *
 * <p>An image can have thousands of extents, and {@code map} runs while the JVM still interprets:
 * formatting each line through strings cost more than finding its extent. Here a line is hex
 * digits written into a byte buffer and array copies (the length and file columns, the host
 * column of a raw image, which is its offset column), and the buffer goes out in 64 KiB writes.
 */
public final class MapTable {
    private static final int COLUMN = 16;
    /** {@code 0x} and 16 digits overflow the column, as in C. */
    private static final int WIDEST = 18;
    private static final int BUFFER = 1 << 16;
    private static final byte[] SPACES = new byte[COLUMN];
    private static final byte[] DIGITS = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd',
        'e', 'f'};

    static {
        Arrays.fill(SPACES, (byte) ' ');
    }

    private final PrintStream out;
    private final Charset charset;
    private final byte[] buffer = new byte[BUFFER];
    private int used;
    private long lastLength = -1;
    private final byte[] lengthColumn = new byte[WIDEST];
    private int lengthColumnSize;
    private String lastFile;
    private byte[] fileBytes;

    /** A table written to {@code out}, file names in its charset. */
    public MapTable(PrintStream out) {
        this.out = out;
        this.charset = out.charset();
    }

    /** The heading line. */
    public void header() {
        text("Offset");
        text("Length");
        text("Mapped to");
        byte[] file = "File\n".getBytes(charset);
        System.arraycopy(file, 0, buffer, used, file.length);
        used += file.length;
    }

    /** One data extent's line. */
    public void row(long offset, long length, long hostOffset, String file) {
        if (!file.equals(lastFile)) {
            lastFile = file;
            fileBytes = (file + "\n").getBytes(charset);
        }
        if (used + 3 * WIDEST + fileBytes.length > BUFFER) {
            flush();
        }
        int offsetColumn = used;
        hex(offset);
        int offsetColumnSize = used - offsetColumn;
        if (length != lastLength) {
            lastLength = length;
            int at = used;
            hex(length);
            lengthColumnSize = used - at;
            System.arraycopy(buffer, at, lengthColumn, 0, lengthColumnSize);
        } else {
            System.arraycopy(lengthColumn, 0, buffer, used, lengthColumnSize);
            used += lengthColumnSize;
        }
        if (hostOffset == offset) {
            System.arraycopy(buffer, offsetColumn, buffer, used, offsetColumnSize);
            used += offsetColumnSize;
        } else {
            hex(hostOffset);
        }
        if (fileBytes.length > BUFFER - used) {
            flush();
            write(fileBytes, fileBytes.length); // a name longer than the buffer
            return;
        }
        System.arraycopy(fileBytes, 0, buffer, used, fileBytes.length);
        used += fileBytes.length;
    }

    /** Writes out what is buffered. */
    public void flush() {
        write(buffer, used);
        used = 0;
    }

    private void write(byte[] bytes, int length) {
        out.write(bytes, 0, length);
    }

    /** {@code %#x} padded to a 16-wide column: {@code 0x} and lower-case digits, a bare 0 for zero. */
    private void hex(long v) {
        int start = used;
        if (v == 0) {
            buffer[used++] = '0';
        } else {
            buffer[used++] = '0';
            buffer[used++] = 'x';
            int digits = (Long.SIZE - Long.numberOfLeadingZeros(v) + 3) / 4;
            for (int i = digits - 1; i >= 0; i--) {
                buffer[used + i] = DIGITS[(int) (v & 0xf)];
                v >>>= 4;
            }
            used += digits;
        }
        pad(start);
    }

    private void text(String s) {
        int start = used;
        byte[] b = s.getBytes(charset);
        System.arraycopy(b, 0, buffer, used, b.length);
        used += b.length;
        pad(start);
    }

    /** Spaces up to the end of the column that began at {@code start}, as {@code %-16s} pads. */
    private void pad(int start) {
        int fill = COLUMN - (used - start);
        if (fill > 0) {
            System.arraycopy(SPACES, 0, buffer, used, fill);
            used += fill;
        }
    }
}
