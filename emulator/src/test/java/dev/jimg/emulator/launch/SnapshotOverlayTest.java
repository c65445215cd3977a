package dev.jimg.emulator.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jimg.block.ImageException;
import dev.jimg.emulator.testutil.MemoryNode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SnapshotOverlayTest {

    private static MemoryNode base() {
        MemoryNode node = new MemoryNode(8192, true);
        for (int i = 0; i < 8192; i++) {
            node.data()[i] = (byte) (i / 512);
        }
        return node;
    }

    private static byte[] read(SnapshotOverlay o, long offset, int length) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(length);
        o.read(offset, b);
        return b.array();
    }

    @Test
    void writesLandInTheOverlayAndLeaveTheImageAlone() throws Exception {
        MemoryNode base = base();
        byte[] original = base.data().clone();
        try (SnapshotOverlay o = SnapshotOverlay.over(base)) {
            byte[] ones = new byte[1024];
            Arrays.fill(ones, (byte) 0x77);
            o.write(1024, ByteBuffer.wrap(ones));
            byte[] back = read(o, 512, 2048);
            assertEquals(1, back[0]);
            assertEquals(0x77, back[512]);
            assertEquals(0x77, back[1535]);
            assertEquals(4, back[1536]);
            assertArrayEquals(original, base.data());
        }
    }

    @Test
    void partialBlockWritesKeepTheRestOfTheBlock() throws Exception {
        try (SnapshotOverlay o = SnapshotOverlay.over(base())) {
            o.write(2 * 512 + 100, ByteBuffer.wrap(new byte[] {9, 9, 9}));
            byte[] block = read(o, 1024, 512);
            assertEquals(2, block[99]);
            assertEquals(9, block[100]);
            assertEquals(9, block[102]);
            assertEquals(2, block[103]);
            assertEquals(2, block[511]);
        }
    }

    @Test
    void writeZeroesReadsBackAsZeroes() throws Exception {
        try (SnapshotOverlay o = SnapshotOverlay.over(base())) {
            o.writeZeroes(4096, 1024, true);
            assertArrayEquals(new byte[1024], read(o, 4096, 1024));
            assertEquals(10, read(o, 5120, 1)[0]);
        }
    }

    @Test
    void requestsBeyondTheEndAreRefused() throws Exception {
        try (SnapshotOverlay o = SnapshotOverlay.over(base())) {
            assertThrows(ImageException.class, () -> o.write(8000, ByteBuffer.allocate(512)));
        }
    }
}
