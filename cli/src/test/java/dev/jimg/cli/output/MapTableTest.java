package dev.jimg.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MapTableTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8);

    /** C's {@code %#x}: no prefix for zero. */
    private static String cHex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }

    private static String line(long offset, long length, long host, String file) {
        return String.format("%-16s%-16s%-16s%s%n", cHex(offset), cHex(length), cHex(host), file);
    }

    private String printed() {
        out.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsQemuImgsColumnsForEveryKindOfNumber() {
        MapTable table = new MapTable(out);
        table.header();
        table.row(0, 0x100000, 0, "a.raw");
        table.row(0x200000, 0x100000, 0x200000, "a.raw");
        table.row(0x300000, 0x10000, 0x50000, "b.qcow2");
        table.row(Long.MAX_VALUE - 0xffff, 0x10000, -1L >>> 4, "b.qcow2"); // 16 hex digits overflow the column
        table.row(0x400000, Long.MAX_VALUE, 0x400000, "b.qcow2");
        table.row(0x500000, Long.MAX_VALUE, 0x1, "b.qcow2");
        table.flush();
        String expected = String.format("%-16s%-16s%-16s%s%n", "Offset", "Length", "Mapped to", "File")
                + line(0, 0x100000, 0, "a.raw")
                + line(0x200000, 0x100000, 0x200000, "a.raw")
                + line(0x300000, 0x10000, 0x50000, "b.qcow2")
                + line(Long.MAX_VALUE - 0xffff, 0x10000, -1L >>> 4, "b.qcow2")
                + line(0x400000, Long.MAX_VALUE, 0x400000, "b.qcow2")
                + line(0x500000, Long.MAX_VALUE, 0x1, "b.qcow2");
        assertEquals(expected, printed());
    }

    @Test
    void keepsEveryLineAcrossManyBufferFlushesAndEncodesNamesInUtf8() {
        MapTable table = new MapTable(out);
        StringBuilder expected = new StringBuilder();
        Random random = new Random(7);
        String[] files = {"disk.raw", "dïsk-ünïcode.raw", "x".repeat(70_000)};
        for (int i = 0; i < 5000; i++) {
            long offset = (long) i << 21;
            long length = random.nextBoolean() ? 0x100000 : random.nextLong(1, 1L << 40);
            long host = random.nextBoolean() ? offset : random.nextLong(0, Long.MAX_VALUE);
            String file = files[i % 50 == 0 ? 2 : i % 2];
            table.row(offset, length, host, file);
            expected.append(line(offset, length, host, file));
        }
        table.flush();
        assertEquals(expected.toString(), printed());
    }
}
