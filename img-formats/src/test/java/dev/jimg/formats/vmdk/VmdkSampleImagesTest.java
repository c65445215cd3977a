package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.FormatSpecific;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.testing.QemuView;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VMDK sample images in testdata/vmdk get the verdicts its README lists. */
@Tag("interop")
class VmdkSampleImagesTest {
    static final Path TESTDATA = Path.of("..", "testdata", "vmdk");

    @TempDir
    Path dir;

    @Test
    void version3StreamOptimizedSampleOpensChecksCleanAndReadsAsQemuReadsIt() throws IOException {
        Path img = Images.bunzip(TESTDATA.resolve("iotest-version3.vmdk.bz2"), dir);
        try (BlockNode node = Images.openReadOnly(img)) {
            assertEquals("vmdk", node.formatName());
            assertEquals(16L << 30, node.size());
            assertEquals(65536, node.clusterSize().orElseThrow());
            Map<String, Object> fs = node.capability(FormatSpecific.class).orElseThrow().formatSpecificData();
            assertEquals(2756998986L, fs.get("cid"));
            assertEquals("streamOptimized", fs.get("create-type"));
            List<String> report = new ArrayList<>();
            CheckResult r = node.capability(Checkable.class).orElseThrow().check(Checkable.Repair.NONE, report::add);
            assertTrue(r.isClean(), report.toString());
            QemuView.assertSame(node, img, "vmdk", dir);
        }
    }

    @Test
    void fuzzedImageWithAbsurdCapacityIsRefusedLikeQemuRefusesIt() throws IOException {
        Path img = Images.bunzip(TESTDATA.resolve("afl9.vmdk.bz2"), dir);
        Images.Result qemu = Images.run(List.of("qemu-img", "info", img.toString()), 1);
        assertTrue(qemu.output().contains("L1 size too big"), qemu.output());
        long before = usedHeap();
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> Images.openReadOnly(img).close());
        assertTrue(e.getMessage().contains("L1 size too big"), e.getMessage());
        assertTrue(usedHeap() - before < 64L << 20, "no large allocation on the way to the error");
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
