package dev.jimg.formats.vpc;

import static dev.jimg.formats.vpc.TestImages.assertSameContents;
import static dev.jimg.formats.vpc.TestImages.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Checkable;
import dev.jimg.block.Extent;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** VHD images both ways with the real qemu-img 7.2 and qemu-io. */
@Tag("interop")
class VpcInteropTest {
    private static final String[] PATTERNS = {
        "0x11 0 64k", "0x22 2040k 16k", "0x33 5M 3M", "0x44 12345678 777", "0x55 40M 512"};

    @TempDir
    Path dir;


    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void readsImagesQemuWroteByteForByte(String subformat) throws IOException {
        Path image = dir.resolve(subformat + ".vhd");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "vpc", "-o", "subformat=" + subformat, image.toString(), "48M")
                .assertSuccess();
        TestImages.qemuWrite(image, "vpc", PATTERNS);
        Path raw = TestImages.qemuToRaw(image, "vpc");
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals("vpc", node.formatName(), "probed by footer even for a fixed disk");
            assertSameContents(raw, node);
        }
    }

    @Test
    void mapsDynamicImagesAsQemuDoes() throws IOException {
        Path image = dir.resolve("map.vhd");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "vpc", image.toString(), "32M").assertSuccess();
        TestImages.qemuWrite(image, "vpc", "0x11 0 64k", "0x22 6M 4M");
        String theirs = ExternalTool.qemuImg(dir, "map", "--output=json", "-f", "vpc", image.toString())
                .assertSuccess().stdout();
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals(parseMap(theirs), describe(ChainStatus.map(node, 0, node.size())));
        }
    }

    @Test
    void mapsFixedImagesAsQemuDoes() throws IOException {
        Path image = dir.resolve("mapf.vhd");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "vpc", "-o", "subformat=fixed", image.toString(), "8M")
                .assertSuccess();
        TestImages.qemuWrite(image, "vpc", "0x11 1M 64k");
        String theirs = ExternalTool.qemuImg(dir, "map", "--output=json", "-f", "vpc", image.toString())
                .assertSuccess().stdout();
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals(parseMap(theirs), describe(ChainStatus.map(node, 0, node.size())));
        }
    }

    /** qemu-img map's JSON as "start+length zero data offset" lines. */
    private static List<String> parseMap(String json) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"start\": (\\d+), \"length\": (\\d+), \"depth\": \\d+, \"present\": (\\w+),"
                + " \"zero\": (\\w+), \"data\": (\\w+)(?:, \"offset\": (\\d+))?").matcher(json);
        while (m.find()) {
            out.add(m.group(1) + "+" + m.group(2) + " zero=" + m.group(4) + " data=" + m.group(5) + " offset="
                    + (m.group(6) == null ? "-" : m.group(6)));
        }
        return out;
    }

    private static List<String> describe(List<Extent> extents) {
        List<String> out = new ArrayList<>();
        for (Extent e : extents) {
            out.add(e.offset() + "+" + e.length() + " zero=" + e.isZero() + " data=" + e.isData() + " offset="
                    + (e.hasHostOffset() ? Long.toString(e.hostOffset()) : "-"));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(longs = {1_000_000, 48L << 20, 100L << 20, 4L << 30, 130L << 30})
    void roundsSizesToTheGeometryAsQemuDoes(long requested) throws IOException {
        Path theirs = dir.resolve("q.vhd");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "vpc", theirs.toString(), Long.toString(requested))
                .assertSuccess();
        Path ours = create("ours.vhd", requested, Map.of());
        try (BlockNode q = Images.openReadOnly(theirs); BlockNode o = Images.openReadOnly(ours)) {
            assertEquals(q.size(), o.size());
            assertEquals(VhdCreator.plan(requested, false).size(), o.size());
        }
        String info = ExternalTool.qemuImg(dir, "info", "--output=json", ours.toString()).assertSuccess().stdout();
        assertTrue(info.contains("\"virtual-size\": " + VhdCreator.plan(requested, false).size()), info);
        assertEquals(Files.size(theirs), Files.size(ours), "same layout as qemu's");
    }

    @Test
    void forceSizeKeepsTheExactSizeAndMarksTheCreatorAsQemuDoes() throws IOException {
        long azure = 30L << 30; // Azure wants whole MiB; CHS rounding would break that
        Path ours = create("azure.vhd", azure, Map.of("subformat", "fixed", "force_size", "on"));
        String info = ExternalTool.qemuImg(dir, "info", "-f", "vpc", "--output=json", ours.toString()).assertSuccess()
                .stdout();
        assertTrue(info.contains("\"virtual-size\": " + azure), info);
        assertEquals(azure + 512, Files.size(ours));
        byte[] footer = new byte[512];
        try (RandomAccessFile f = new RandomAccessFile(ours.toFile(), "r")) {
            f.seek(azure);
            f.readFully(footer);
        }
        assertEquals("qem2", VhdFooter.parse(footer).creatorApp());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void imagesJimgWritesCompareEqualInQemu(String subformat) throws IOException {
        Path image = create("w-" + subformat + ".vhd", 24L << 20, Map.of("subformat", subformat));
        Path expected = dir.resolve("expected.raw");
        byte[] raw = new byte[(int) VhdCreator.plan(24L << 20, false).size()];
        try (BlockNode node = Images.open(image, "vpc")) {
            assertEquals(raw.length, node.size());
            Images.write(node, raw, 0, filled(65536, 0x11));
            Images.write(node, raw, (2 << 20) - 1000, filled(5000, 0x22));
            Images.write(node, raw, 7 << 20, filled(3 << 20, 0x33));
            Images.write(node, raw, raw.length - 512, filled(512, 0x44));
            node.writeZeroes(7 << 20, 4096, true);
            java.util.Arrays.fill(raw, 7 << 20, (7 << 20) + 4096, (byte) 0);
            node.flush();
        }
        Files.write(expected, raw);
        ExternalTool.qemuImg(dir, "compare", "-f", "vpc", "-F", "raw", image.toString(), expected.toString())
                .assertSuccess();
        ExternalTool.Result check = ExternalTool.qemuImg(dir, "check", "-f", "vpc", image.toString());
        assertEquals(63, check.exitCode(), "qemu-img 7.2 cannot check vpc: " + check.stderr());
    }

    @Test
    void concurrentWritersAllocateEachBlockOnce() throws Exception {
        Path image = create("conc.vhd", 64L << 20, Map.of());
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try (BlockNode node = Images.open(image, "vpc")) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    // Every writer touches every block, at its own 64 KiB slice of it.
                    for (long block = 0; block < 30; block++) {
                        long at = block * (2 << 20) + id * 65536L;
                        node.write(at, ByteBuffer.wrap(filled(65536, 0x10 + id)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        byte[] expected = new byte[(int) VhdCreator.plan(64L << 20, false).size()];
        for (int id = 0; id < writers; id++) {
            for (long block = 0; block < 30; block++) {
                java.util.Arrays.fill(expected, (int) (block * (2 << 20) + id * 65536L),
                        (int) (block * (2 << 20) + (id + 1) * 65536L), (byte) (0x10 + id));
            }
        }
        Path raw = dir.resolve("conc.raw");
        Files.write(raw, expected);
        ExternalTool.qemuImg(dir, "compare", "-f", "vpc", "-F", "raw", image.toString(), raw.toString())
                .assertSuccess();
        long blocks = 30;
        long expectedFile = 1536 + 512 + blocks * ((2 << 20) + 512) + 512;
        assertEquals(expectedFile, Files.size(image), "each block allocated exactly once");
    }

    @Test
    void isNotCheckableAsInQemu() throws IOException {
        Path image = create("c.vhd", 1 << 20, Map.of());
        try (BlockNode node = Images.openReadOnly(image)) {
            assertFalse(node.capability(Checkable.class).isPresent());
            assertEquals(2 << 20, node.clusterSize().orElseThrow());
        }
    }

    private Path create(String name, long size, Map<String, String> options) throws IOException {
        Path p = dir.resolve(name);
        Images.create("vpc", p, size, options);
        return p;
    }
}
