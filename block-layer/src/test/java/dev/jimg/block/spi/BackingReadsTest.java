package dev.jimg.block.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jimg.block.testing.MemoryNode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BackingReadsTest {

    @Test
    void readsTheBackingUpToItsEndAndZeroesPastIt() throws Exception {
        MemoryNode backing = new MemoryNode("base", 1024, 512, null);
        byte[] ones = new byte[1024];
        Arrays.fill(ones, (byte) 1);
        backing.write(0, ByteBuffer.wrap(ones));
        ByteBuffer dst = ByteBuffer.allocate(300);
        Arrays.fill(dst.array(), (byte) 9);
        BackingReads.read(backing, 924, dst);
        byte[] expected = new byte[300];
        Arrays.fill(expected, 0, 100, (byte) 1);
        assertArrayEquals(expected, dst.array());
        assertEquals(300, dst.position());
    }

    @Test
    void readsZeroesWithoutABacking() throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(64);
        Arrays.fill(dst.array(), (byte) 9);
        BackingReads.read(null, 0, dst);
        assertArrayEquals(new byte[64], dst.array());
    }
}
