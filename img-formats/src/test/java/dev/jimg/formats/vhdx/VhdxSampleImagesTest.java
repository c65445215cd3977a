package dev.jimg.formats.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.ImageException;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.vpc.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real VHDX images in {@code testdata/vhdx} (see its README) get qemu-img 7.2's verdicts. */
@Tag("interop")
class VhdxSampleImagesTest {
    @TempDir
    Path dir;

    @Test
    void hyperVDynamicImageOpensChecksCleanAndReadsAsQemuReadsIt() throws IOException {
        Path image = TestImages.unpackSample("vhdx/iotest-dynamic-1G.vhdx.bz2", dir);
        Path raw = TestImages.qemuToRaw(image, "vhdx");
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals("vhdx", node.formatName());
            assertEquals(1L << 30, node.size());
            assertEquals(32 << 20, node.clusterSize().orElseThrow());
            assertTrue(check(node).isClean());
            TestImages.assertSameContents(raw, node);
        }
    }

    @Test
    void disk2vhdImageWithIdenticalHeadersOpensAndReadsAsQemuReadsIt() throws IOException {
        Path image = TestImages.unpackSample("vhdx/test-disk2vhd.vhdx.bz2", dir);
        Path raw = TestImages.qemuToRaw(image, "vhdx");
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals(256L << 20, node.size());
            assertEquals(2 << 20, node.clusterSize().orElseThrow());
            assertTrue(check(node).isClean());
            TestImages.assertSameContents(raw, node);
        }
    }

    @Test
    void dirtyLogIsRefusedReadOnlyAndReplayedAsQemuReplaysIt() throws IOException {
        Path ours = TestImages.unpackSample("vhdx/iotest-dirtylog-10G-4M.vhdx.bz2", dir);
        Path theirs = dir.resolve("theirs.vhdx");
        Files.copy(ours, theirs);

        ImageException e = assertThrows(ImageException.class, () -> Images.openReadOnly(ours));
        assertEquals("VHDX image file '" + ours + "' opened read-only, but contains a log that needs to be replayed\n"
                + "To replay the log, run:\njimg check -r all '" + ours + "'", e.getMessage());

        try (BlockNode node = Images.open(ours, null)) {
            CheckResult result = check(node);
            assertEquals(1, result.corruptionsFixed(), "replaying the log is one corruption fixed, as in qemu-img");
            assertEquals(0, result.corruptions());
        }
        ExternalTool.qemuImg(dir, "check", "-r", "all", theirs.toString()).assertSuccess();

        try (BlockNode node = Images.openReadOnly(ours)) {
            assertEquals(10L << 30, node.size());
            assertEquals(1 << 20, node.clusterSize().orElseThrow());
            assertEquals(0, check(node).corruptionsFixed(), "nothing left to replay");
        }
        assertEquals(0, ExternalTool.qemuImg(dir, "check", ours.toString()).exitCode(), "qemu-img accepts our replay");
        assertSameExceptHeaders(theirs, ours);
    }

    /** Both tools applied the same log: the files match but for the headers' GUIDs and sequence numbers. */
    private static void assertSameExceptHeaders(Path a, Path b) throws IOException {
        byte[] x = Files.readAllBytes(a);
        byte[] y = Files.readAllBytes(b);
        assertEquals(x.length, y.length, "file sizes after replay");
        List<Integer> differing = new ArrayList<>();
        for (int i = 0; i < x.length; i += 4096) {
            boolean inHeaders = i >= VhdxHeader.HEADER1_OFFSET && i < RegionTable.OFFSET;
            if (!inHeaders && !Arrays.equals(x, i, Math.min(x.length, i + 4096), y, i, Math.min(y.length, i + 4096))) {
                differing.add(i);
            }
        }
        assertEquals(List.of(), differing, "4 KiB sectors that differ outside the headers");
        assertArrayEquals(Arrays.copyOf(x, 8), Arrays.copyOf(y, 8));
    }

    private static CheckResult check(BlockNode node) throws IOException {
        return node.capability(Checkable.class).orElseThrow().check(Checkable.Repair.ALL, m -> { });
    }
}
