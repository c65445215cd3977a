package dev.jimg.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MapJsonTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8);

    private String printed() {
        out.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** qemu-img 7.2's line for one extent, built the plain way. */
    private static String entry(long start, long length, int depth, boolean present, boolean zero, boolean data,
            long offset) {
        return "{ \"start\": " + start + ", \"length\": " + length + ", \"depth\": " + depth + ", \"present\": "
                + present + ", \"zero\": " + zero + ", \"data\": " + data
                + (offset >= 0 ? ", \"offset\": " + offset : "") + "}";
    }

    @Test
    void anEmptyMapIsAnEmptyList() {
        new MapJson(out).finish();
        assertEquals("[]\n", printed());
    }

    /** Entries of the greatest length, ending at every position a buffer flush could fall on. */
    @Test
    void fitsTheLongestPossibleEntriesAcrossBufferFlushes() {
        MapJson json = new MapJson(out);
        StringBuilder expected = new StringBuilder("[");
        Random random = new Random(3);
        for (int i = 0; i < 100_000; i++) {
            // Mostly the longest entries; now and then a shorter one, so that entries come to
            // end anywhere in the buffer, the few bytes before a flush included.
            long start = random.nextInt(8) == 0 ? random.nextLong(1_000_000) : Long.MAX_VALUE;
            json.entry(start, Long.MAX_VALUE, Integer.MAX_VALUE, false, false, false, Long.MAX_VALUE);
            expected.append(i > 0 ? ",\n" : "")
                    .append(entry(start, Long.MAX_VALUE, Integer.MAX_VALUE, false, false, false, Long.MAX_VALUE));
        }
        json.finish();
        assertEquals(expected.append("]\n").toString(), printed());
    }

    @Test
    void printsEachEntryAsQemuImgAcrossManyBufferFlushes() {
        MapJson json = new MapJson(out);
        StringBuilder expected = new StringBuilder("[");
        Random random = new Random(11);
        for (int i = 0; i < 6000; i++) {
            long start = i == 0 ? 0 : random.nextLong(0, Long.MAX_VALUE);
            long length = i == 1 ? Long.MAX_VALUE : random.nextLong(1, 1L << 42);
            int depth = random.nextInt(4);
            boolean present = random.nextBoolean();
            boolean zero = random.nextBoolean();
            boolean data = random.nextBoolean();
            long offset = random.nextBoolean() ? -1 : i == 2 ? 0 : random.nextLong(0, Long.MAX_VALUE);
            json.entry(start, length, depth, present, zero, data, offset);
            expected.append(i > 0 ? ",\n" : "").append(entry(start, length, depth, present, zero, data, offset));
        }
        json.finish();
        assertEquals(expected.append("]\n").toString(), printed());
    }
}
