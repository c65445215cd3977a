package dev.jimg.block;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jimg.block.testing.MemoryNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainStatusTest {
    private static final int C = 4096;

    @Test
    void reportsTheDepthOfTheLayerThatDecides() throws IOException {
        MemoryNode base = new MemoryNode("base", 8 * C, C, null);
        MemoryNode mid = new MemoryNode("mid", 8 * C, C, base);
        MemoryNode top = new MemoryNode("top", 8 * C, C, mid);
        base.write(0, ByteBuffer.allocate(2 * C));
        mid.write(C, ByteBuffer.allocate(C));
        top.writeZeroes(4 * C, C, true);

        List<Extent> map = ChainStatus.map(top, 0, 8 * C);
        assertEquals(List.of(
                new Extent(0, C, Extent.DATA | Extent.ALLOCATED, 0, "base", 2),
                new Extent(C, C, Extent.DATA | Extent.ALLOCATED, C, "mid", 1),
                new Extent(2 * C, 2 * C, Extent.ZERO, -1, null, 2),
                new Extent(4 * C, C, Extent.ZERO | Extent.ALLOCATED, -1, null, 0),
                new Extent(5 * C, 3 * C, Extent.ZERO, -1, null, 2)), map);
    }

    @Test
    void treatsRangesPastAShorterBackingFileAsZero() throws IOException {
        MemoryNode base = new MemoryNode("base", 2 * C, C, null);
        MemoryNode top = new MemoryNode("top", 4 * C, C, base);
        base.write(0, ByteBuffer.allocate(2 * C));
        List<Extent> map = ChainStatus.map(top, 0, 4 * C);
        assertEquals(List.of(
                new Extent(0, 2 * C, Extent.DATA | Extent.ALLOCATED, 0, "base", 1),
                new Extent(2 * C, 2 * C, Extent.ZERO, -1, null, 0)), map);
    }

    @Test
    void mergesOnlyRunsWithContiguousHostOffsets() {
        Extent a = Extent.data(0, C, 10 * C, "f");
        Extent b = Extent.data(C, C, 11 * C, "f");
        Extent c = Extent.data(C, C, 20 * C, "f");
        assertEquals(Extent.data(0, 2 * C, 10 * C, "f"), a.merge(b));
        assertEquals(false, a.canMerge(c));
    }
}
