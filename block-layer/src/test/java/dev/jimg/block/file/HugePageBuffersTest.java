package dev.jimg.block.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HugePageBuffersTest {
    private static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void handsOutSeparateDirectBuffersOnAHugePageBoundary() {
        try (HugePageBuffers buffers = HugePageBuffers.reserve(4, 2 * MiB)) {
            assertTrue(buffers.mapped(), "Linux maps the region");
            List<ByteBuffer> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ByteBuffer b = buffers.next();
                assertTrue(b.isDirect());
                assertEquals(0, b.position());
                assertEquals(2 * MiB, b.limit());
                assertEquals(0, b.get(2 * MiB - 1), "fresh memory reads as zero");
                all.add(b);
            }
            assertEquals(0, MemorySegment.ofBuffer(all.get(0)).address() % (2 * MiB));
            for (int i = 0; i < 4; i++) {
                all.get(i).put(0, (byte) (i + 1)).put(2 * MiB - 1, (byte) (i + 11));
            }
            for (int i = 0; i < 4; i++) {
                assertEquals(i + 1, all.get(i).get(0));
                assertEquals(i + 11, all.get(i).get(2 * MiB - 1));
            }
            assertThrows(IllegalStateException.class, buffers::next, "no more than reserved");
        }
    }

    @Test
    void buffersCarryFileIoFromOtherThreads() throws Exception {
        Path p = dir.resolve("data");
        byte[] data = new byte[MiB];
        new java.util.Random(5).nextBytes(data);
        Files.write(p, data);
        try (HugePageBuffers buffers = HugePageBuffers.reserve(2, MiB);
                FileChannel in = FileChannel.open(p, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(dir.resolve("copy"), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
            ByteBuffer b = buffers.next();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    while (b.hasRemaining() && in.read(b) >= 0) {
                        // until full
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            reader.join();
            out.write(b.flip(), 0);
        }
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("copy")));
    }

    @Test
    void aBufferUsedAfterCloseFailsInsteadOfTouchingUnmappedMemory() {
        HugePageBuffers buffers = HugePageBuffers.reserve(1, MiB);
        ByteBuffer b = buffers.next();
        b.put(0, (byte) 1);
        buffers.close();
        assertThrows(IllegalStateException.class, () -> b.get(0));
    }

    @Test
    void refusesAnEmptyReservation() {
        assertThrows(IllegalArgumentException.class, () -> HugePageBuffers.reserve(0, MiB));
        assertThrows(IllegalArgumentException.class, () -> HugePageBuffers.reserve(1, 0));
    }
}
