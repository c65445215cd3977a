package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.testing.MapEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * seSparse (ESXi 6.5+ snapshot deltas). No tool here writes them; the test builds one by the
 * layout qemu reads and uses qemu-img 7.2, which reads seSparse, as the oracle — for the first
 * copy of the extent: qemu 7.2 lists a SESPARSE extent twice, as it does VMFSSPARSE ones.
 */
@Tag("interop")
class SeSparseTest {
    private static final int SECTORS = 8192;
    private static final int GRAIN = 4096;

    @TempDir
    Path dir;

    /** const header 0, volatile header 1, GD 2, grain tables 3..66, grains from 67. */
    private Path seSparse(long gdEntry, boolean dirty) throws IOException {
        ByteBuffer f = ByteBuffer.allocate((67 + 16) * 512).order(ByteOrder.LITTLE_ENDIAN);
        f.putLong(0, SeSparseExtent.CONST_MAGIC).putLong(8, SeSparseExtent.VERSION).putLong(16, SECTORS)
                .putLong(24, 8).putLong(32, 64).putLong(80, 1).putLong(88, 1).putLong(128, 2).putLong(136, 1)
                .putLong(144, 3).putLong(152, 64).putLong(192, 67).putLong(200, 16);
        f.putLong(512, SeSparseExtent.VOLATILE_MAGIC).putLong(512 + 24, dirty ? 1 : 0);
        f.putLong(2 * 512, gdEntry);
        int gt = 3 * 512;
        f.putLong(gt, 0x3000000000000000L);              // grain 0 -> grain index 0
        f.putLong(gt + 5 * 8, 0x2000000000000000L);      // grain 5 zero
        f.putLong(gt + 7 * 8, 0x3001000000000000L);      // grain 7 -> grain index 1
        f.putLong(gt + 9 * 8, 0x1000000000000000L);      // grain 9 unmapped: reads as zero
        for (int i = 0; i < GRAIN; i++) {
            f.put(67 * 512 + i, (byte) 0x11);
            f.put(75 * 512 + i, (byte) (i % 13 + 1));
        }
        Path data = dir.resolve("d-sesparse.vmdk");
        Files.write(data, f.array());
        Path d = dir.resolve("d.vmdk");
        Files.writeString(d, "# Disk DescriptorFile\nversion=1\nCID=11111111\nparentCID=ffffffff\n"
                + "createType=\"seSparse\"\n\nRW " + SECTORS + " SESPARSE \"d-sesparse.vmdk\"\n");
        return d;
    }

    @Test
    void readsSeSparseExtentsAsQemuDoes() throws IOException {
        Path d = seSparse(0x1000000000000000L, false);
        try (BlockNode node = Images.openReadOnly(d)) {
            byte[] all = Images.readAll(node);
            byte[] qemu = Images.qemuRaw(d, "vmdk", dir);
            assertEquals(2L * all.length, qemu.length, "qemu's duplicated extent");
            assertArrayEquals(Arrays.copyOf(qemu, all.length), all);
            byte[] grain7 = Arrays.copyOfRange(all, 7 * GRAIN, 8 * GRAIN);
            assertEquals(1, grain7[0]);
            assertEquals(0x11, all[0]);
            java.util.List<MapEntry> ours = MapEntry.jimg(node);
            assertEquals(MapEntry.qemu(d, "vmdk").subList(0, ours.size()), ours);
        }
        // Opened for writing once the reader is gone: a reader does not share writes (image locks).
        try (BlockNode rw = Images.open(d, "vmdk")) {
            assertThrows(NotSupportedException.class, () -> rw.write(0, ByteBuffer.allocate(1)));
        }
    }

    @Test
    void damagedOrDirtySeSparseIsRefused() throws IOException {
        Path bad = seSparse(0x2000000000000000L, false);
        try (BlockNode node = Images.openReadOnly(bad)) {
            String m = assertThrows(CorruptImageException.class, () -> node.read(0, ByteBuffer.allocate(1)))
                    .getMessage();
            assertTrue(m.contains("Invalid seSparse grain directory entry"), m);
        }
        Path dirty = seSparse(0x1000000000000000L, true);
        String m = assertThrows(NotSupportedException.class, () -> Images.openReadOnly(dirty).close()).getMessage();
        assertTrue(m.contains("journal"), m);
    }
}
