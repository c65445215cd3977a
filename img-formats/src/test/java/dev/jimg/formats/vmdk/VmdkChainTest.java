package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.jimg.block.BlockNode;
import dev.jimg.block.FormatSpecific;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.testing.MapEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VMDK children of VMDK parents (parentFileNameHint), both directions with qemu-img. */
@Tag("interop")
class VmdkChainTest {
    private static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void childWrittenByJimgReadsThroughToItsParentInQemuToo() throws IOException {
        Path base = dir.resolve("base.vmdk");
        byte[] model = new byte[4 * MiB];
        Images.create("vmdk", base, model.length, Map.of());
        try (BlockNode node = Images.open(base, "vmdk")) {
            Images.fill(node, model, 0, 3 * MiB, (byte) 0x11);
        }
        Path child = dir.resolve("child.vmdk");
        Images.create("vmdk", child, model.length, Map.of("backing_file", "base.vmdk"));
        try (BlockNode node = Images.open(child, "vmdk")) {
            // Partial grain writes copy the rest of the grain from the parent.
            Images.fill(node, model, MiB + 100, 1000, (byte) 0x22);
            node.writeZeroes(2 * MiB, 4096, false);
            Arrays.fill(model, 2 * MiB, 2 * MiB + 4096, (byte) 0);
        }
        Images.assertQemuAgrees(child, "vmdk", model, dir);
        try (BlockNode node = Images.openReadOnly(child)) {
            assertArrayEquals(model, Images.readAll(node));
            assertEquals("base.vmdk", node.backingReference().orElseThrow().name());
            assertEquals(MapEntry.qemu(child, "vmdk"), MapEntry.jimg(node));
            long cid = (Long) node.capability(FormatSpecific.class).orElseThrow().formatSpecificData().get("cid");
            assertNotEquals(0L, cid);
        }
    }

    @Test
    void childWrittenByQemuReadsThroughToItsParent() throws IOException {
        Path base = dir.resolve("qbase.vmdk");
        Images.run("qemu-img", "create", "-q", "-f", "vmdk", base.toString(), "4M");
        Images.qemuIo(base, "vmdk", "write -P 0x11 0 4M");
        Path child = dir.resolve("qchild.vmdk");
        Images.run("qemu-img", "create", "-q", "-f", "vmdk", "-b", "qbase.vmdk", "-F", "vmdk", child.toString());
        Images.qemuIo(child, "vmdk", "write -P 0x22 100k 10k");
        byte[] expected = Images.qemuRaw(child, "vmdk", dir);
        try (BlockNode node = Images.openReadOnly(child)) {
            assertArrayEquals(expected, Images.readAll(node));
            assertEquals(MapEntry.qemu(child, "vmdk"), MapEntry.jimg(node));
        }
    }
}
