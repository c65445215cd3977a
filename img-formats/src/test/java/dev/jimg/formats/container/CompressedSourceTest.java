package dev.jimg.formats.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.block.util.Buffers;
import dev.jimg.formats.Formats;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.vpc.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Compressed images read as sources without unpacking them first. */
@Tag("interop")
class CompressedSourceTest {
    /** Each kind of compressed file the tests make. */
    enum Kind {
        GZIP(".gz"), XZ(".xz"), XZ_BLOCKS(".blocks.xz"), ZSTD(".zst");

        final String suffix;

        Kind(String suffix) {
            this.suffix = suffix;
        }
    }

    @TempDir
    Path dir;

    private Path raw;

    @BeforeEach
    void makeRawImage() throws IOException {
        raw = dir.resolve("disk.img");
        Files.write(raw, new byte[24 << 20]);
        TestImages.qemuWrite(raw, "raw", "0x11 0 64k", "0x22 3M 5M", "0x33 12345678 777", "0x44 23M 1M");
    }

    private Path compress(Path source, Kind kind) throws IOException {
        Path out = source.resolveSibling(source.getFileName() + kind.suffix);
        try (InputStream in = Files.newInputStream(source); OutputStream file = Files.newOutputStream(out);
                OutputStream c = switch (kind) {
                    case GZIP -> new GZIPOutputStream(file, 1 << 16);
                    case XZ -> new XZOutputStream(file, new LZMA2Options(1));
                    case XZ_BLOCKS -> new BlockedXz(file);
                    case ZSTD -> new ZstdOutputStream(file, 3);
                }) {
            in.transferTo(c);
        }
        return out;
    }

    /** An xz stream cut into 1 MiB blocks, as {@code xz --block-size=1MiB} writes it. */
    private static final class BlockedXz extends OutputStream {
        private final XZOutputStream xz;
        private long inBlock;

        BlockedXz(OutputStream out) throws IOException {
            xz = new XZOutputStream(out, new LZMA2Options(1));
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = (int) Math.min(len, (1 << 20) - inBlock);
                xz.write(b, off, n);
                off += n;
                len -= n;
                inBlock += n;
                if (inBlock == 1 << 20) {
                    xz.endBlock();
                    inBlock = 0;
                }
            }
        }

        @Override
        public void close() throws IOException {
            xz.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"GZIP", "XZ", "XZ_BLOCKS", "ZSTD"})
    void readsACompressedRawImageByteForByte(Kind kind) throws IOException {
        Path compressed = compress(raw, kind);
        try (BlockNode node = Images.openReadOnly(compressed)) {
            assertEquals("raw", node.formatName());
            assertEquals(24L << 20, node.size());
            TestImages.assertSameContents(raw, node);
            // Back to the start after the end: served from the cache (or the xz index).
            ByteBuffer first = ByteBuffer.allocate(4096);
            node.read(0, first);
            assertEquals(0x11, first.get(0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"GZIP", "XZ", "ZSTD"})
    void zeroRunsStayZeroInBlockStatus(Kind kind) throws IOException {
        Path compressed = compress(raw, kind);
        try (BlockNode node = Images.openReadOnly(compressed)) {
            Extent hole = node.blockStatus(1 << 20, 1 << 20);
            assertTrue(hole.isZero() && !hole.isData(), hole.toString());
            Extent data = node.blockStatus(3 << 20, 1 << 20);
            assertTrue(data.isData() && data.isCompressed() && !data.hasHostOffset(), data.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"GZIP", "XZ", "XZ_BLOCKS", "ZSTD"})
    void opensWhateverFormatIsInside(Kind kind) throws IOException {
        Path vhdx = dir.resolve("disk.vhdx");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "vhdx", "-o", "block_size=1M", vhdx.toString(), "20M")
                .assertSuccess();
        TestImages.qemuWrite(vhdx, "vhdx", "0x55 0 1M", "0x66 19M 4k");
        Path expected = TestImages.qemuToRaw(vhdx, "vhdx");
        try (BlockNode node = Images.openReadOnly(compress(vhdx, kind))) {
            assertEquals("vhdx", node.formatName());
            TestImages.assertSameContents(expected, node);
        }
    }

    /**
     * A compressed qcow2 image decompresses to exactly the qcow2 file; where the qcow2 driver is
     * registered it opens as qcow2 and reads as qemu-img reads it, else it is the file as raw.
     */
    @ParameterizedTest
    @ValueSource(strings = {"GZIP", "ZSTD"})
    void readsACompressedQcow2Image(Kind kind) throws IOException {
        Path qcow2 = dir.resolve("disk.qcow2");
        ExternalTool.qemuImg(dir, "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString())
                .assertSuccess();
        boolean qcow2Driver = Formats.registry().find("qcow2").isPresent();
        try (BlockNode node = Images.openReadOnly(compress(qcow2, kind))) {
            assertEquals(qcow2Driver ? "qcow2" : "raw", node.formatName());
            TestImages.assertSameContents(qcow2Driver ? raw : qcow2, node);
        }
    }

    @Test
    void anOvaInsideAnXzFileIsOpenedThroughBoth() throws IOException {
        Path tar = dir.resolve("a.ova");
        try (OutputStream out = Files.newOutputStream(tar);
                var t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(out)) {
            var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("disk.img");
            e.setSize(Files.size(raw));
            t.putArchiveEntry(e);
            Files.copy(raw, t);
            t.closeArchiveEntry();
        }
        try (BlockNode node = Images.openReadOnly(compress(tar, Kind.XZ))) {
            assertEquals("ova", node.formatName());
            TestImages.assertSameContents(raw, node);
        }
    }

    @Test
    void truncatedDataIsReportedAsDamaged() throws IOException {
        Path gz = compress(raw, Kind.GZIP);
        byte[] all = Files.readAllBytes(gz);
        Files.write(gz, Arrays.copyOf(all, all.length / 2));
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> {
            try (BlockNode node = Images.openReadOnly(gz)) {
                node.read(0, ByteBuffer.allocate((int) node.size()));
            }
        });
        assertTrue(e.getMessage().contains("gzip data is damaged or truncated"), e.getMessage());
    }

    @Test
    void aGzipFileCutInsideItsHeaderIsReportedAsDamaged() throws IOException {
        // Found by the fuzz target: the header is read at open, where EOF escaped without a message.
        Path gz = dir.resolve("cut.gz");
        Files.write(gz, new byte[] {0x1f, (byte) 0x8b, 0x08, 0});
        CorruptImageException e = assertThrows(CorruptImageException.class,
                () -> dev.jimg.formats.testing.Images.open(gz, "gzip", dev.jimg.block.OpenOptions.readOnlyDefaults()).close());
        assertTrue(e.getMessage().contains("gzip data is damaged or truncated: unexpected end"), e.getMessage());
    }

    @Test
    void aZstdFrameStatingTheWrongSizeIsRefused() throws IOException {
        byte[] data = TestImages.filled(100_000, 7);
        byte[] frame = com.github.luben.zstd.Zstd.compress(data);
        assertEquals(100_000, ZstdFrames.contentSize(new MemoryFile(frame)));
        // The single-segment frame header states the size in its last four bytes (descriptor 0xA0 or so);
        // a lie there must be caught when the data ends.
        int fcsAt = 4 + 1;
        frame[fcsAt] = (byte) (frame[fcsAt] + 1);
        Path zst = dir.resolve("lie.zst");
        Files.write(zst, frame);
        assertThrows(ImageException.class, () -> {
            try (BlockNode node = Images.openReadOnly(zst)) {
                node.read(0, ByteBuffer.allocate((int) node.size()));
            }
        });
    }

    @Test
    void nestingIsBounded() throws IOException {
        Path p = dir.resolve("tiny.img");
        Files.write(p, new byte[4096]);
        for (int i = 0; i < InnerImage.MAX_NESTING + 1; i++) {
            p = compress(p, Kind.GZIP);
        }
        Path deep = p;
        ImageException e = assertThrows(ImageException.class, () -> Images.openReadOnly(deep));
        assertTrue(e.getMessage().contains("nested more than"), e.getMessage());
    }

    @Test
    void compressedImagesAreReadOnly() throws IOException {
        Path gz = compress(raw, Kind.GZIP);
        ImageException e = assertThrows(ImageException.class, () -> Images.open(gz, null));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
    }

    /** A byte array as a node, for the frame walker. */
    private static final class MemoryFile extends ReadOnlyNode {
        private final byte[] bytes;

        MemoryFile(byte[] bytes) {
            super("memory");
            this.bytes = bytes;
        }

        @Override
        public String formatName() {
            return "file";
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            int n = (int) Math.max(0, Math.min(dst.remaining(), bytes.length - offset));
            dst.put(bytes, (int) offset, n);
            Buffers.fillZero(dst);
        }

        @Override
        public Extent blockStatus(long offset, long length) {
            return Extent.data(offset, length, offset, "memory");
        }

        @Override
        public void close() {
        }
    }
}
