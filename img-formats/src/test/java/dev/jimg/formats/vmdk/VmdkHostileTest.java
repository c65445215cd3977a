package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted and damaged VMDKs: descriptors that try to reach host files, grain tables that loop or
 * point outside the file, truncated files, absurd sizes — each a precise error.
 */
class VmdkHostileTest {
    private static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    private Path descriptor(String name, String extentLine) throws IOException {
        Path d = dir.resolve("vm");
        Files.createDirectories(d);
        Path img = d.resolve(name);
        Files.writeString(img, "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n"
                + "createType=\"monolithicFlat\"\n\n" + extentLine + "\n");
        return img;
    }

    private Path secret() throws IOException {
        Path s = dir.resolve("secret.txt");
        Files.writeString(s, "host secret".repeat(100));
        return s;
    }

    private static String refused(Path img, OpenOptions options) {
        ImageException e = assertThrows(ImageException.class, () -> Images.open(img, "vmdk", options).close());
        return e.getMessage();
    }

    @Test
    void extentWithAbsolutePathIsRefused() throws IOException {
        Path s = secret();
        Path img = descriptor("abs.vmdk", "RW 2 FLAT \"" + s.toAbsolutePath() + "\" 0");
        assertTrue(refused(img, OpenOptions.readOnlyDefaults()).contains("outside the image's directory"));
    }

    @Test
    void extentWithDotDotPathIsRefusedUnlessAllowed() throws IOException {
        secret();
        Path img = descriptor("up.vmdk", "RW 2 FLAT \"../secret.txt\" 0");
        assertTrue(refused(img, OpenOptions.readOnlyDefaults()).contains("outside the image's directory"));
        OpenOptions allow = OpenOptions.builder().readOnly(true).allowExternalPaths(true).build();
        try (BlockNode node = Images.open(img, "vmdk", allow)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            node.read(0, b);
            assertArrayEquals("host".getBytes(StandardCharsets.US_ASCII), b.array());
        }
    }

    @Test
    void qemuImgFollowsTheSameDescriptorToTheHostFile() throws IOException {
        secret();
        Path img = descriptor("up.vmdk", "RW 2 FLAT \"../secret.txt\" 0");
        String out = Images.run("qemu-io", "-r", "-f", "vmdk", "-c", "read -v 0 4", img.toString()).output();
        assertTrue(out.contains("host"), "qemu-img 7.2 reads it, which is why jimg must not: " + out);
    }

    @Test
    void extentThatIsASymlinkOutOfTheDirectoryIsRefused() throws IOException {
        Path s = secret();
        Path img = descriptor("link.vmdk", "RW 2 FLAT \"inside.bin\" 0");
        Files.createSymbolicLink(img.resolveSibling("inside.bin"), s);
        assertTrue(refused(img, OpenOptions.readOnlyDefaults()).contains("links outside"));
    }

    @Test
    void parentFileNameHintOutsideTheDirectoryIsRefused() throws IOException {
        Path s = secret();
        Path d = Files.createDirectories(dir.resolve("vm"));
        Files.write(d.resolve("data.bin"), new byte[1024]);
        Path img = d.resolve("child.vmdk");
        Files.writeString(img, "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=87654321\n"
                + "createType=\"monolithicFlat\"\nparentFileNameHint=\"" + s.toAbsolutePath() + "\"\n\n"
                + "RW 2 FLAT \"data.bin\" 0\n");
        assertTrue(refused(img, OpenOptions.readOnlyDefaults()).contains("outside the image's directory"));
    }

    @Test
    void writingNeverNamesAnExtentOutsideTheImagesDirectory() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("a/b"));
        Path img = sub.resolve("disk.vmdk");
        Images.create("vmdk", img, 4L * MiB, Map.of("subformat", "twoGbMaxExtentFlat"));
        String text = Files.readString(img);
        assertTrue(text.contains("\"disk-f001.vmdk\"") && !text.contains("/"), text);
    }

    private Path sparse() throws IOException {
        Path img = dir.resolve("s.vmdk");
        Images.create("vmdk", img, 64L * MiB, Map.of());
        try (BlockNode node = Images.open(img, "vmdk")) {
            node.write(0, ByteBuffer.wrap(new byte[4096]).put(0, (byte) 1));
        }
        return img;
    }

    private static long u64(Path img, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(img)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, offset);
            return b.getLong(0);
        }
    }

    private static int u32(Path img, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(img)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, offset);
            return b.getInt(0);
        }
    }

    private static void poke32(Path img, long offset, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value), offset);
        }
    }

    @Test
    void grainDirectoryEntriesSharingATableAreALoop() throws IOException {
        Path img = sparse();
        long gd = u64(img, 56) * 512;
        poke32(img, gd + 4, u32(img, gd)); // GD[1] = GD[0]
        String m = assertThrows(CorruptImageException.class, () -> Images.openReadOnly(img).close()).getMessage();
        assertTrue(m.contains("share the grain table") && m.contains("loop"), m);
    }

    @Test
    void grainTablePointingIntoTheDirectoryIsRefused() throws IOException {
        Path img = sparse();
        long gd = u64(img, 56);
        poke32(img, gd * 512, (int) gd);
        String m = assertThrows(CorruptImageException.class, () -> Images.openReadOnly(img).close()).getMessage();
        assertTrue(m.contains("overlaps"), m);
    }

    @Test
    void grainOutsideTheFileFailsTheReadAndTheCheck() throws IOException {
        Path img = sparse();
        long gt = Integer.toUnsignedLong(u32(img, u64(img, 56) * 512)) * 512;
        poke32(img, gt, 0x100000);
        try (BlockNode node = Images.openReadOnly(img)) {
            String m = assertThrows(CorruptImageException.class, () -> node.read(0, ByteBuffer.allocate(512)))
                    .getMessage();
            assertTrue(m.contains("past the end of the file"), m);
        }
        Images.Result qemu = Images.run(java.util.List.of("qemu-img", "check", img.toString()), 1);
        assertTrue(qemu.output().contains("points after EOF"), qemu.output());
        java.util.List<String> report = new java.util.ArrayList<>();
        try (BlockNode node = Images.openReadOnly(img)) {
            dev.jimg.block.CheckResult r = node.capability(dev.jimg.block.Checkable.class).orElseThrow()
                    .check(dev.jimg.block.Checkable.Repair.NONE, report::add);
            assertTrue(r.corruptions() == 1 && r.exitCode() == 1 && report.get(0).equals("ERROR: cluster offset for sector 0 points after EOF"),
                    report.toString());
        }
    }

    @Test
    void grainInsideTheMetadataIsRefused() throws IOException {
        Path img = sparse();
        long gdSector = u64(img, 56);
        long gt = Integer.toUnsignedLong(u32(img, gdSector * 512)) * 512;
        poke32(img, gt, (int) gdSector); // grain 0 "stored" on top of the grain directory
        try (BlockNode node = Images.open(img, "vmdk")) {
            String m = assertThrows(CorruptImageException.class, () -> node.write(0, ByteBuffer.allocate(512)))
                    .getMessage();
            assertTrue(m.contains("inside the metadata"), m);
        }
    }

    @Test
    void truncatedSparseFileIsReported() throws IOException {
        Path img = sparse();
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.truncate(8192);
        }
        String m = assertThrows(CorruptImageException.class, () -> Images.openReadOnly(img).close()).getMessage();
        assertTrue(m.contains("past the end of the file") || m.contains("outside the file"), m);
    }

    @Test
    void truncatedStreamHasNoFooter() throws IOException {
        Path img = dir.resolve("t.vmdk");
        Images.create("vmdk", img, 4L * MiB, Map.of("subformat", "streamOptimized"));
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 512);
        }
        String m = assertThrows(CorruptImageException.class, () -> Images.openReadOnly(img).close()).getMessage();
        assertTrue(m.contains("Invalid footer"), m);
    }

    @Test
    void absurdGrainSizeAndDescriptorSizesAreRefused() throws IOException {
        Path img = sparse();
        poke32(img, 20, 1 << 20); // 512 MiB grains
        String m = assertThrows(CorruptImageException.class, () -> Images.openReadOnly(img).close()).getMessage();
        assertTrue(m.contains("grainSize"), m);
        Path many = descriptor("many.vmdk", "RW 1 ZERO\n".repeat(Descriptor.MAX_EXTENTS + 1));
        m = assertThrows(CorruptImageException.class, () -> Images.openReadOnly(many).close()).getMessage();
        assertTrue(m.contains("more than"), m);
    }

    @Test
    void garbageExtentLineIsReported() throws IOException {
        Path img = descriptor("bad.vmdk", "RW -5 FLAT \"x\" 0");
        String m = assertThrows(CorruptImageException.class, () -> Images.openReadOnly(img).close()).getMessage();
        assertTrue(m.contains("Invalid extent line"), m);
    }
    @Test
    void embeddedDescriptorOffsetThatWrapsWhenScaledIsRefused() throws IOException {
        // Found by fuzzing: offset * 512 wrapped negative, passed the end-of-file test, and the
        // CID update then wrote the descriptor exabytes away.
        Path img = dir.resolve("wrap.vmdk");
        Images.create("vmdk", img, 4 * MiB, Map.of("subformat", "monolithicSparse"));
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, (1L << 54) - 2), 28);
        }
        long before = Files.size(img);
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> Images.open(img, "vmdk").close());
        assertTrue(e.getMessage().contains("embedded descriptor"), e.getMessage());
        assertTrue(Files.size(img) == before, "the file was not grown");
    }
}
