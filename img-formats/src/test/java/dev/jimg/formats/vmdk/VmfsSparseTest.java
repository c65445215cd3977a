package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
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
 * vmfsSparse (ESX "COWD" extents). No tool here writes them, so the test builds one by the
 * layout. qemu-img 7.2 is only a partial reference: it refuses the extent file opened on its own
 * and lists a VMFSSPARSE extent twice (a disk twice the size its descriptor gives), though the
 * first copy reads correctly.
 */
@Tag("interop")
class VmfsSparseTest {
    private static final int SECTORS = 8192;
    private static final int GRAIN = 8;

    @TempDir
    Path dir;

    private Path cowd() throws IOException {
        ByteBuffer f = ByteBuffer.allocate(64 * 512).order(ByteOrder.LITTLE_ENDIAN);
        f.putInt(0, CowdExtent.MAGIC).putInt(4, 1).putInt(8, 3).putInt(12, SECTORS).putInt(16, GRAIN)
                .putInt(20, 4).putInt(24, 1).putInt(28, 56);
        f.putInt(4 * 512, 5);                 // GD[0] -> grain table at sector 5 (32 sectors)
        f.putInt(5 * 512, 40);                // grain 0 at sector 40
        f.putInt(5 * 512 + 100 * 4, 48);      // grain 100 at sector 48
        for (int i = 0; i < GRAIN * 512; i++) {
            f.put(40 * 512 + i, (byte) 0x11);
            f.put(48 * 512 + i, (byte) (i % 7 + 1));
        }
        Path p = dir.resolve("disk-delta.vmdk");
        Files.write(p, Arrays.copyOf(f.array(), 56 * 512));
        return p;
    }

    private static byte[] expected() {
        byte[] disk = new byte[SECTORS * 512];
        Arrays.fill(disk, 0, GRAIN * 512, (byte) 0x11);
        for (int i = 0; i < GRAIN * 512; i++) {
            disk[100 * GRAIN * 512 + i] = (byte) (i % 7 + 1);
        }
        return disk;
    }

    @Test
    void readsACowdExtentOpenedDirectly() throws IOException {
        Path p = cowd();
        try (BlockNode node = Images.openReadOnly(p)) {
            assertEquals(SECTORS * 512L, node.size());
            assertArrayEquals(expected(), Images.readAll(node));
            java.util.List<MapEntry> map = MapEntry.jimg(node);
            assertEquals(new MapEntry(0, 4096, 0, true, false, true, 40 * 512), map.get(0));
            assertEquals(new MapEntry(100 * 4096, 4096, 0, true, false, true, 48 * 512), map.get(2));
        }
    }

    @Test
    void readsAVmfsSparseDiskThroughItsDescriptor() throws IOException {
        cowd();
        Path d = dir.resolve("disk.vmdk");
        Files.writeString(d, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
                + "createType=\"vmfsSparse\"\n\nRW " + SECTORS + " VMFSSPARSE \"disk-delta.vmdk\"\n");
        try (BlockNode node = Images.openReadOnly(d)) {
            byte[] all = Images.readAll(node);
            assertArrayEquals(expected(), all);
            byte[] qemu = Images.qemuRaw(d, "vmdk", dir);
            assertArrayEquals(Arrays.copyOf(qemu, all.length), all, "qemu-img's first copy of the extent");
            assertEquals(MapEntry.qemu(d, "vmdk").subList(0, 4), MapEntry.jimg(node));
            assertThrows(ImageException.class, () -> Images.open(d, "vmdk").write(0, ByteBuffer.allocate(512)));
        }
    }
}
