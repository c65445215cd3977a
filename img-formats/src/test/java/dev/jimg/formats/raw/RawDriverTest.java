package dev.jimg.formats.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CopyOffload;
import dev.jimg.block.Extent;
import dev.jimg.block.FormatRegistry;
import dev.jimg.block.ImageException;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.testing.ExternalTool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawDriverTest {
    private static final byte[] FAKE_MAGIC = "QFI\u00fb".getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final RawDriver driver = new RawDriver(sector -> Arrays.equals(sector, 0, 4, FAKE_MAGIC, 0, 4));
    private final ImageOpener opener = new ImageOpener(new FormatRegistry(List.of(driver)), warnings::add);

    private Path create(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        driver.create(new CreateRequest(p, p.toString(), size, ImageOptions.empty(driver.createOptions()), null));
        return p;
    }

    @Test
    void createsASparseFileWithItsFirstBlockAllocatedAsQemuDoes() throws IOException {
        Path p = create("a.raw", 1L << 30);
        assertEquals(1L << 30, Files.size(p));
        try (BlockNode node = opener.open(p.toString(), "raw", OpenOptions.readOnlyDefaults())) {
            Extent first = node.blockStatus(0, node.size());
            assertTrue(first.isData() && first.length() == 4096, first.toString());
            Extent rest = node.blockStatus(4096, node.size() - 4096);
            assertTrue(rest.isZero() && !rest.isData() && rest.isAllocated(), rest.toString());
            assertEquals(node.size() - 4096, rest.length());
        }
        String theirs = ExternalTool.qemuImg(dir, "map", "--output=json", "-f", "raw", p.toString())
                .assertSuccess().stdout();
        assertTrue(theirs.contains("\"length\": 4096, \"depth\": 0, \"present\": true, \"zero\": false, \"data\": true"),
                theirs);
    }

    @Test
    void zeroWritesWithUnmapAndDiscardsPunchHoles() throws IOException {
        Path p = create("b.raw", 8L << 20);
        try (BlockNode node = opener.open(p.toString(), "raw", OpenOptions.defaults())) {
            byte[] data = new byte[4 << 20];
            Arrays.fill(data, (byte) 0x5a);
            node.write(0, ByteBuffer.wrap(data));
            node.writeZeroes(0, 1 << 20, true);
            node.discard(2 << 20, 1 << 20);
            assertTrue(node.blockStatus(0, 1 << 20).isZero());
            assertTrue(node.blockStatus(2 << 20, 1 << 20).isZero());
            assertTrue(node.blockStatus(1 << 20, 1 << 20).isData());
            ByteBuffer back = ByteBuffer.allocate(1 << 20);
            node.read(0, back);
            assertArrayEquals(new byte[1 << 20], back.array());
        }
    }

    @Test
    void refusesRequestsBeyondTheEnd() throws IOException {
        Path p = create("c.raw", 4096);
        try (BlockNode node = opener.open(p.toString(), "raw", OpenOptions.defaults())) {
            ImageException e = assertThrows(ImageException.class, () -> node.write(4000, ByteBuffer.allocate(200)));
            assertTrue(e.getMessage().contains("beyond the end"), e.getMessage());
        }
    }

    @Test
    void aProbedRawImageRefusesWritesThatWouldMakeSectorZeroAnotherFormat() throws IOException {
        Path p = create("d.raw", 1 << 20);
        try (BlockNode node = opener.open(p.toString(), null, OpenOptions.defaults())) {
            assertEquals(1, warnings.size(), "probing raw for writing warns");
            ImageException e = assertThrows(ImageException.class, () -> node.write(0, ByteBuffer.wrap(FAKE_MAGIC)));
            assertTrue(e.getMessage().contains("Operation not permitted"), e.getMessage());
            node.write(0, ByteBuffer.wrap("plain data".getBytes(StandardCharsets.US_ASCII)));
            node.write(512, ByteBuffer.wrap(FAKE_MAGIC));
        }
        try (BlockNode node = opener.open(p.toString(), "raw", OpenOptions.defaults())) {
            node.write(0, ByteBuffer.wrap(FAKE_MAGIC));
        }
    }

    @Test
    void opensAWindowOfTheFileWithOffsetAndSizeOptions() throws IOException {
        Path p = dir.resolve("container");
        byte[] bytes = new byte[8192];
        Arrays.fill(bytes, 1024, 2048, (byte) 7);
        Files.write(p, bytes);
        OpenOptions window = OpenOptions.builder().readOnly(true).driverOptions(Map.of("offset", "1024", "size", "1024"))
                .build();
        try (BlockNode node = opener.open(p.toString(), "raw", window)) {
            assertEquals(1024, node.size());
            ByteBuffer back = ByteBuffer.allocate(1024);
            node.read(0, back);
            byte[] expected = new byte[1024];
            Arrays.fill(expected, (byte) 7);
            assertArrayEquals(expected, back.array());
        }
        OpenOptions tooBig = OpenOptions.builder().readOnly(true).driverOptions(Map.of("offset", "8000", "size", "1024"))
                .build();
        ImageException e = assertThrows(ImageException.class, () -> opener.open(p.toString(), "raw", tooBig));
        assertTrue(e.getMessage().contains("has to be smaller or equal to the actual size"), e.getMessage());
    }

    @Test
    void copiesFromAWindowOfOneFileIntoAnotherImageThroughTheKernel() throws IOException {
        Path container = dir.resolve("container");
        byte[] bytes = new byte[8192];
        Arrays.fill(bytes, 1024, 2048, (byte) 9);
        Files.write(container, bytes);
        Path target = create("t.raw", 4096);
        OpenOptions window = OpenOptions.builder().readOnly(true).driverOptions(Map.of("offset", "1024", "size", "1024"))
                .build();
        try (BlockNode src = opener.open(container.toString(), "raw", window);
                BlockNode dst = opener.open(target.toString(), "raw", OpenOptions.defaults())) {
            CopyOffload copier = dst.capability(CopyOffload.class).orElseThrow();
            assertEquals(1024, copier.copyFrom(src, 0, 2048, 1024));
            ByteBuffer back = ByteBuffer.allocate(1024);
            dst.read(2048, back);
            byte[] expected = new byte[1024];
            Arrays.fill(expected, (byte) 9);
            assertArrayEquals(expected, back.array());
            assertThrows(ImageException.class, () -> copier.copyFrom(src, 0, 3584, 1024), "beyond the target's end");
            assertThrows(ImageException.class, () -> copier.copyFrom(src, 512, 0, 1024), "beyond the window's end");
        }
    }

    @Test
    void aProbedRawImageCopiesNothingIntoSectorZeroSoTheWriteCheckSeesIt() throws IOException {
        Path src = create("s.raw", 4096);
        Path p = create("probed.raw", 4096);
        try (BlockNode from = opener.open(src.toString(), "raw", OpenOptions.readOnlyDefaults());
                BlockNode node = opener.open(p.toString(), null, OpenOptions.defaults())) {
            CopyOffload copier = node.capability(CopyOffload.class).orElseThrow();
            assertEquals(0, copier.copyFrom(from, 0, 0, 1024));
            assertEquals(1024, copier.copyFrom(from, 0, 1024, 1024));
        }
    }

    @Test
    void measuresTheVirtualSizeRoundedToASector() throws IOException {
        var m = driver.measure(new dev.jimg.block.spi.MeasureRequest(1000, ImageOptions.empty(driver.createOptions()),
                java.util.Optional.empty()));
        assertEquals(1024, m.required());
        assertEquals(1024, m.fullyAllocated());
    }
}
