package dev.jimg.block.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlockWalkTest {

    @Test
    void cutsABufferAtEveryBlockBoundaryAndConsumesIt() throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(250).position(10);
        List<String> pieces = new ArrayList<>();
        BlockWalk.forEachBlock(90, buf, 100, (block, inBlock, piece) -> {
            pieces.add(block + "+" + inBlock + ":" + piece.remaining());
            piece.put(0, (byte) block);
        });
        assertEquals(List.of("0+90:10", "1+0:100", "2+0:100", "3+0:30"), pieces);
        assertEquals(250, buf.position());
        assertEquals(1, buf.get(20), "each piece is a view of the request's own buffer");
    }

    @Test
    void cutsARangeAtEveryBlockBoundary() throws Exception {
        List<String> pieces = new ArrayList<>();
        BlockWalk.forEachBlock(150, 200, 100, (block, inBlock, n) -> pieces.add(block + "+" + inBlock + ":" + n));
        assertEquals(List.of("1+50:50", "2+0:100", "3+0:50"), pieces);
    }

    @Test
    void visitsOnlyTheBlocksTheFileHolds() throws Exception {
        List<String> ranges = new ArrayList<>();
        BlockWalk.forEachMapped(50, 300, 100, block -> block == 1 ? -1 : 1000 * (block + 1),
                (host, n) -> ranges.add(host + ":" + n));
        assertEquals(List.of("1050:50", "3000:100", "4000:50"), ranges);
    }
}
