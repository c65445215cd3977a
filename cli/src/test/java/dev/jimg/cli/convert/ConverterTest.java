package dev.jimg.cli.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.Extent;
import dev.jimg.block.FilterNode;
import dev.jimg.block.ProgressListener;
import dev.jimg.block.testing.MemoryNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConverterTest {
    private static final int MiB = 1 << 20;

    /** A source with random data, zero-filled data, explicit zero clusters and holes; seeded. */
    private static MemoryNode source(long seed, int size) throws IOException {
        Random r = new Random(seed);
        MemoryNode src = new MemoryNode("src", size, 4096, null);
        for (int i = 0; i < 200; i++) {
            int off = r.nextInt(size / 512) * 512;
            int len = Math.min(size - off, (1 + r.nextInt(64)) * 512);
            byte[] data = new byte[len];
            switch (r.nextInt(3)) {
                case 0 -> r.nextBytes(data);
                case 1 -> { } // stored zeroes: data that must become a hole
                default -> {
                    src.writeZeroes(off, len, true);
                    continue;
                }
            }
            src.write(off, ByteBuffer.wrap(data));
        }
        return src;
    }

    private static byte[] contents(BlockNode node) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) node.size());
        node.read(0, b);
        return b.array();
    }

    @Test
    void copiesEveryByteWithAnyParallelismAndOrder() throws IOException {
        for (long seed = 1; seed <= 5; seed++) {
            MemoryNode src = source(seed, 8 * MiB);
            for (int parallel : new int[] {1, 3, 16}) {
                for (boolean inOrder : new boolean[] {true, false}) {
                    MemoryNode dst = new MemoryNode("dst", 8 * MiB, 4096, null);
                    new Converter(List.of(src), dst, new ConvertSettings(parallel, inOrder, 4096, false, true, false, 512),
                            ProgressListener.NONE).run();
                    assertArrayEquals(contents(src), contents(dst), "seed " + seed + " parallel " + parallel);
                }
            }
        }
    }

    @Test
    void copiesAnEmptyImageInOrderAndOutOfOrder() throws IOException {
        for (boolean inOrder : new boolean[] {true, false}) {
            MemoryNode src = new MemoryNode("src", 0, 4096, null);
            MemoryNode dst = new MemoryNode("dst", 0, 4096, null);
            new Converter(List.of(src), dst, new ConvertSettings(8, inOrder, 4096, false, true, false, 512),
                    ProgressListener.NONE).run();
            assertEquals(0, dst.size());
        }
    }

    @Test
    void leavesZeroRunsUnwrittenInAFreshTarget() throws IOException {
        MemoryNode src = new MemoryNode("src", 4 * MiB, 4096, null);
        src.write(0, ByteBuffer.allocate(4 * MiB));           // all stored zeroes
        src.write(MiB, ByteBuffer.wrap(new byte[] {1, 2, 3})); // one data block
        MemoryNode dst = new MemoryNode("dst", 4 * MiB, 4096, null);
        new Converter(List.of(src), dst, new ConvertSettings(8, true, 4096, false, true, false, 512),
                ProgressListener.NONE).run();
        List<Extent> allocated = new ArrayList<>();
        for (long pos = 0; pos < 4 * MiB; ) {
            Extent e = dst.blockStatus(pos, 4 * MiB - pos);
            if (e.isAllocated()) {
                allocated.add(e);
            }
            pos = e.end();
        }
        assertEquals(List.of(Extent.data(MiB, 4096, MiB, "dst")), allocated);
    }

    @Test
    void writesZeroesWhereTheTargetIsNotKnownToBeZero() throws IOException {
        MemoryNode src = new MemoryNode("src", MiB, 4096, null);
        MemoryNode dst = new MemoryNode("dst", MiB, 4096, null);
        dst.write(0, ByteBuffer.wrap(new byte[MiB]).put(0, (byte) 7).put(MiB - 1, (byte) 7));
        new Converter(List.of(src), dst, new ConvertSettings(2, true, 4096, false, false, false, 512),
                ProgressListener.NONE).run();
        assertArrayEquals(new byte[MiB], contents(dst));
    }

    /** A target that "compresses" by reversing bytes and records the order of compressed writes. */
    private static final class RecordingCompressor extends FilterNode implements CompressedWrites {
        final List<Long> order = Collections.synchronizedList(new ArrayList<>());

        RecordingCompressor(BlockNode inner) {
            super(inner);
        }

        @Override
        public int compressionUnit() {
            return 64 * 1024;
        }

        @Override
        public byte[] compress(ByteBuffer unit) {
            byte[] b = new byte[unit.remaining()];
            unit.get(b);
            Thread.yield();
            return b;
        }

        @Override
        public void writeCompressed(long offset, byte[] compressed) throws IOException {
            order.add(offset);
            inner.write(offset, ByteBuffer.wrap(compressed));
        }
    }

    @Test
    void compressedWritesHappenInGuestOrderWhateverTheWorkerTiming() throws IOException {
        MemoryNode src = source(7, 16 * MiB);
        for (int run = 0; run < 3; run++) {
            RecordingCompressor dst = new RecordingCompressor(new MemoryNode("dst", 16 * MiB, 4096, null));
            new Converter(List.of(src), dst, new ConvertSettings(16, true, 4096, true, true, false, 65536),
                    ProgressListener.NONE).run();
            List<Long> sorted = new ArrayList<>(dst.order);
            Collections.sort(sorted);
            assertEquals(sorted, dst.order, "compressed units must be written in guest order");
            assertTrue(dst.order.size() > 10);
            assertArrayEquals(contents(src), contents(dst));
        }
    }

    @Test
    void concatenatesSourcesEachPaddedToASector() throws IOException {
        MemoryNode a = new MemoryNode("a", 4096, 4096, null);
        a.write(0, ByteBuffer.wrap(new byte[] {9, 9}));
        MemoryNode b = new MemoryNode("b", 8192, 4096, null);
        b.write(8191, ByteBuffer.wrap(new byte[] {5}));
        assertEquals(12288, Converter.totalSize(List.of(a, b)));
        MemoryNode dst = new MemoryNode("dst", 12288, 4096, null);
        new Converter(List.of(a, b), dst, new ConvertSettings(4, true, 4096, false, true, false, 512),
                ProgressListener.NONE).run();
        byte[] out = contents(dst);
        assertEquals(9, out[1]);
        assertEquals(5, out[12287]);
    }
}
