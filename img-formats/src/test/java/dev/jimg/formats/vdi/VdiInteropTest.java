package dev.jimg.formats.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.testing.MapEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VDI images exchanged with the real qemu-img 7.2 in both directions. */
@Tag("interop")
class VdiInteropTest {
    private static final long MiB = 1 << 20;

    @TempDir
    Path dir;

    private static final String[] PATTERNS = {
        "write -P 0x11 0 64k",
        "write -P 0x22 3145216 100k",
        "write -P 0x33 7340032 1M",
        "write -z 7340032 4k",
    };

    @Test
    void readsDynamicImageWrittenByQemu() throws IOException {
        Path img = dir.resolve("q.vdi");
        Images.run("qemu-img", "create", "-q", "-f", "vdi", img.toString(), "9M");
        Images.qemuIo(img, "vdi", PATTERNS);
        assertReadsAsQemu(img);
    }

    @Test
    void readsStaticImageWrittenByQemu() throws IOException {
        Path img = dir.resolve("s.vdi");
        Images.run("qemu-img", "create", "-q", "-f", "vdi", "-o", "static=on", img.toString(), "9M");
        Images.qemuIo(img, "vdi", PATTERNS);
        assertReadsAsQemu(img);
    }

    @Test
    void readsImageWithOddSizeRoundedUpAsQemuDoes() throws IOException {
        Path img = dir.resolve("odd.vdi");
        Images.run("qemu-img", "create", "-q", "-f", "vdi", img.toString(), "1000000");
        Images.qemuIo(img, "vdi", "write -P 0x44 999424 512");
        assertReadsAsQemu(img);
    }

    private void assertReadsAsQemu(Path img) throws IOException {
        byte[] expected = Images.qemuRaw(img, "vdi", dir);
        try (BlockNode node = Images.openReadOnly(img)) {
            assertEquals("vdi", node.formatName());
            assertArrayEquals(expected, Images.readAll(node));
            assertEquals(MapEntry.qemu(img, "vdi"), MapEntry.jimg(node));
        }
    }

    @Test
    void dynamicImageWrittenByJimgPassesQemuCheckAndCompare() throws IOException {
        assertJimgImageAcceptedByQemu(Map.of());
    }

    @Test
    void staticImageWrittenByJimgPassesQemuCheckAndCompare() throws IOException {
        assertJimgImageAcceptedByQemu(Map.of("static", "on"));
    }

    private void assertJimgImageAcceptedByQemu(Map<String, String> options) throws IOException {
        Path img = dir.resolve("j.vdi");
        long size = 10 * MiB + 512;
        Images.create("vdi", img, size, options);
        byte[] expected = new byte[(int) size];
        try (BlockNode node = Images.open(img, "vdi")) {
            Images.fill(node, expected, 0, 70_000, (byte) 0x11);
            Images.fill(node, expected, 3 * MiB - 100, (int) (2 * MiB + 200), (byte) 0x22);
            Images.fill(node, expected, size - 512, 512, (byte) 0x33);
            node.writeZeroes(3 * MiB, 4096, false);
            Arrays.fill(expected, (int) (3 * MiB), (int) (3 * MiB + 4096), (byte) 0);
            node.writeZeroes(4 * MiB, MiB, true);
            Arrays.fill(expected, (int) (4 * MiB), (int) (5 * MiB), (byte) 0);
            node.flush();
        }
        Images.assertQemuAgrees(img, "vdi", expected, dir);
        try (BlockNode node = Images.openReadOnly(img)) {
            assertEquals(MapEntry.qemu(img, "vdi"), MapEntry.jimg(node));
        }
        byte[] header = Arrays.copyOf(Files.readAllBytes(img), 512);
        assertEquals(0x190, ByteBuffer.wrap(header).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0x48),
                "VirtualBox's v1.1 header size");
        assertEquals(0x200, ByteBuffer.wrap(header).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0x154));
    }

    @Test
    void checkReportsSharedAndOutOfRangeBlocksAsQemuDoes() throws IOException {
        Path img = dir.resolve("bad.vdi");
        Images.run("qemu-img", "create", "-q", "-f", "vdi", img.toString(), "8M");
        Images.qemuIo(img, "vdi", "write -P 0x11 0 1M", "write -P 0x22 1M 1M");
        // Block 2 shares data block 0 with block 0; block 3 points past blocks_in_image.
        patchMapEntry(img, 2, 0);
        patchMapEntry(img, 3, 1000);
        Images.Result qemu = Images.run(List.of("qemu-img", "check", "-f", "vdi", img.toString()), 2);
        assertTrue(qemu.output().contains("too large"), qemu.output());
        List<String> lines = new ArrayList<>();
        try (BlockNode node = Images.openReadOnly(img)) {
            CheckResult r = node.capability(Checkable.class).orElseThrow().check(Checkable.Repair.NONE, lines::add);
            assertEquals(2, r.exitCode());
            assertEquals(3, r.corruptions(), lines.toString());
        }
        assertTrue(lines.contains("ERROR: block index 0 also used by 2"), lines.toString());
        assertTrue(lines.contains("ERROR: block index 3 too large, is 1000"), lines.toString());
        assertTrue(lines.contains("ERROR: allocated blocks mismatch, is 3, should be 2"), lines.toString());
    }

    static void patchMapEntry(Path img, int block, int value) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 0x154);
            long bmap = Integer.toUnsignedLong(b.flip().getInt());
            ch.write(ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(value).flip(),
                    bmap + block * 4L);
        }
    }

    @Test
    void checkOfCleanImageFindsNothing() throws IOException {
        Path img = dir.resolve("ok.vdi");
        Images.run("qemu-img", "create", "-q", "-f", "vdi", img.toString(), "8M");
        Images.qemuIo(img, "vdi", "write -P 0x11 5M 3M");
        try (BlockNode node = Images.open(img, null, OpenOptions.readOnlyDefaults())) {
            List<String> lines = new ArrayList<>();
            CheckResult r = node.capability(Checkable.class).orElseThrow().check(Checkable.Repair.NONE, lines::add);
            assertTrue(r.isClean(), lines.toString());
        }
    }
}
