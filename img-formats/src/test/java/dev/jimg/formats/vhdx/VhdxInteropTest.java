package dev.jimg.formats.vhdx;

import static dev.jimg.formats.vpc.TestImages.assertSameContents;
import static dev.jimg.formats.vpc.TestImages.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.Extent;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.vpc.TestImages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** VHDX images both ways with the real qemu-img 7.2 and qemu-io. */
@Tag("interop")
class VhdxInteropTest {
    private static final String[] PATTERNS = {
        "0x11 0 64k", "0x22 1020k 8k", "0x33 5M 3M", "0x44 12345678 777", "0x55 33554432 4096", "0x66 70M 1M"};

    @TempDir
    Path dir;

    private final VhdxDriver driver = new VhdxDriver();

    @ParameterizedTest
    @CsvSource({"dynamic,1M,on", "dynamic,32M,on", "dynamic,1M,off", "fixed,1M,on", "fixed,32M,on"})
    void readsImagesQemuWroteByteForByte(String subformat, String blockSize, String zero) throws IOException {
        Path image = dir.resolve("q.vhdx");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "vhdx", "-o", "subformat=" + subformat + ",block_size="
                + blockSize + ",block_state_zero=" + zero, image.toString(), "72M").assertSuccess();
        TestImages.qemuWrite(image, "vhdx", PATTERNS);
        Path raw = TestImages.qemuToRaw(image, "vhdx");
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals("vhdx", node.formatName());
            assertEquals(72L << 20, node.size());
            assertEquals(Integer.parseInt(blockSize.replace("M", "")) << 20, node.clusterSize().orElseThrow());
            assertSameContents(raw, node);
            CheckResult check = node.capability(Checkable.class).orElseThrow().check(Checkable.Repair.NONE, m -> { });
            assertTrue(check.isClean(), check.toString());
        }
    }

    @ParameterizedTest
    @CsvSource({
        // 600 MiB of 1 MiB blocks: the BAT entries changed span two BAT sectors (512 entries each)
        "dynamic,1M,on,1M,600", "dynamic,32M,on,1M,96", "dynamic,1M,off,2M,96", "fixed,1M,on,1M,96",
        "fixed,8M,off,1M,96"})
    void imagesJimgWritesPassQemuCheckAndCompareEqual(String subformat, String blockSize, String zero, String logSize,
            long mib) throws IOException {
        long size = mib << 20;
        Path image = create("w.vhdx", size, Map.of("subformat", subformat, "block_size", blockSize,
                "block_state_zero", zero, "log_size", logSize));
        byte[] expected = new byte[(int) size];
        try (BlockNode node = Images.open(image, "vhdx")) {
            Images.write(node, expected, 0, filled(65536, 0x11));
            Images.write(node, expected, (1 << 20) - 100, filled(300, 0x22));
            node.flush();
            for (int i = 0; i < mib; i += 7) {
                Images.write(node, expected, ((long) i << 20) + 4096, filled(512, i & 0xFF));
            }
            Images.write(node, expected, size - 4096, filled(4096, 0x77));
            node.writeZeroes(0, 4096, true);
            Arrays.fill(expected, 0, 4096, (byte) 0);
        }
        Path raw = dir.resolve("expected.raw");
        Files.write(raw, expected);
        ExternalTool.Result check = ExternalTool.qemuImg(dir, "check", "-f", "vhdx", image.toString());
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        ExternalTool.qemuImg(dir, "compare", "-f", "vhdx", "-F", "raw", image.toString(), raw.toString())
                .assertSuccess();
        try (BlockNode node = Images.openReadOnly(image)) {
            assertSameContents(raw, node);
        }
    }

    @ParameterizedTest
    @CsvSource({"dynamic,0,1M,3072", "dynamic,0,3M,3072", "dynamic,2M,1M,3072", "fixed,1M,1M,100",
        "fixed,0,1M,1100", "dynamic,0,1000,200"})
    void createsTheLayoutQemuCreates(String subformat, String blockSize, String logSize, long mib) throws IOException {
        long size = mib << 20;
        Path theirs = dir.resolve("q.vhdx");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "vhdx", "-o", "subformat=" + subformat + ",block_size="
                + blockSize + ",log_size=" + logSize, theirs.toString(), Long.toString(size)).assertSuccess();
        Path ours = create("o.vhdx", size, Map.of("subformat", subformat, "block_size", blockSize,
                "log_size", logSize));
        assertEquals(Files.size(theirs), Files.size(ours));
        String ourInfo = ExternalTool.qemuImg(dir, "info", "--output=json", ours.toString()).assertSuccess().stdout();
        String theirInfo = ExternalTool.qemuImg(dir, "info", "--output=json", theirs.toString()).assertSuccess()
                .stdout();
        assertEquals(field(theirInfo, "cluster-size"), field(ourInfo, "cluster-size"));
        assertEquals(field(theirInfo, "virtual-size"), field(ourInfo, "virtual-size"));
        ExternalTool.qemuImg(dir, "compare", ours.toString(), theirs.toString()).assertSuccess();
    }

    private static String field(String json, String name) {
        int at = json.indexOf("\"" + name + "\": ");
        return at < 0 ? null : json.substring(at, json.indexOf(',', at));
    }

    @Test
    void refusesSizesAndBlockSizesQemuRefuses() {
        assertEquals("Block size must be a power of two", assertPlanFails(1L << 30, Map.of("block_size", "3M")));
        assertEquals("Image size too large; max of 64TB", assertPlanFails(65L << 40, Map.of()));
        assertEquals(256L << 20, VhdxCreator.plan(1L << 30, options(Map.of("block_size", "512M"))).blockSize());
        assertEquals(1L << 20, VhdxCreator.plan(1L << 30, options(Map.of("log_size", "1000"))).logSize());
    }

    private String assertPlanFails(long size, Map<String, String> options) {
        return org.junit.jupiter.api.Assertions.assertThrows(dev.jimg.block.ImageException.class,
                () -> VhdxCreator.plan(size, options(options))).getMessage();
    }

    private ImageOptions options(Map<String, String> values) {
        return ImageOptions.of(driver.createOptions(), values);
    }

    @Test
    void blockStatusIsPreciseWhereQemuSaysAllData() throws IOException {
        Path image = create("m.vhdx", 64L << 20, Map.of("block_size", "1M"));
        try (BlockNode node = Images.open(image, "vhdx")) {
            node.write(3L << 20, ByteBuffer.wrap(filled(4096, 1)));
            node.write(4L << 20, ByteBuffer.wrap(filled(4096, 1)));
            assertEquals(Extent.zero(0, 3L << 20), node.blockStatus(0, node.size()));
            Extent data = node.blockStatus(3L << 20, node.size());
            assertTrue(data.isData() && data.length() == 2L << 20, "contiguous blocks are one extent: " + data);
        }
    }

    @Test
    void concurrentWritersAllocateEachBlockOnce() throws Exception {
        long size = 96L << 20;
        Path image = create("c.vhdx", size, Map.of("block_size", "1M"));
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        byte[] expected = new byte[(int) size];
        try (BlockNode node = Images.open(image, "vhdx")) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (long block = 0; block < 90; block++) {
                        node.write((block << 20) + id * 8192L, ByteBuffer.wrap(filled(8192, 0x20 + id)));
                        if (block % 30 == id) {
                            node.flush();
                        }
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
        for (int id = 0; id < writers; id++) {
            for (long block = 0; block < 90; block++) {
                Arrays.fill(expected, (int) ((block << 20) + id * 8192L), (int) ((block << 20) + (id + 1) * 8192L),
                        (byte) (0x20 + id));
            }
        }
        Path raw = dir.resolve("c.raw");
        Files.write(raw, expected);
        ExternalTool.qemuImg(dir, "compare", "-f", "vhdx", "-F", "raw", image.toString(), raw.toString())
                .assertSuccess();
        assertEquals(0, ExternalTool.qemuImg(dir, "check", image.toString()).exitCode());
    }

    private Path create(String name, long size, Map<String, String> options) throws IOException {
        Path p = dir.resolve(name);
        Images.create("vhdx", p, size, options);
        return p;
    }
}
