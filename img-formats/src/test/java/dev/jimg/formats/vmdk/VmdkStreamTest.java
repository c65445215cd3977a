package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
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
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** streamOptimized: images from vmdk-stream-converter, and jimg's own streams read by qemu-img. */
@Tag("interop")
class VmdkStreamTest {
    private static final int MiB = 1 << 20;
    /** Debian's vmdk-stream-converter installs only this Python module; it converts raw to stream. */
    private static final String VMDK_STREAM = "/usr/lib/python3/dist-packages/VMDKstream.py";

    @TempDir
    Path dir;

    private static byte[] sampleDisk(int size, long seed) {
        byte[] raw = new byte[size];
        Random rnd = new Random(seed);
        // Compressible text-like runs, random runs and holes, so grains of every kind occur.
        for (int pos = 0; pos < size; pos += 64 * 1024) {
            int kind = rnd.nextInt(3);
            int n = Math.min(64 * 1024, size - pos);
            if (kind == 0) {
                byte[] r = new byte[n];
                rnd.nextBytes(r);
                System.arraycopy(r, 0, raw, pos, n);
            } else if (kind == 1) {
                for (int i = 0; i < n; i++) {
                    raw[pos + i] = (byte) ('a' + (i * 7 + pos / 65536) % 26);
                }
            }
        }
        return raw;
    }

    @Test
    void readsImagesWrittenByVmdkStreamConverter() throws IOException {
        // Not a multiple of the grain size: the converter compresses a short last grain.
        byte[] raw = sampleDisk(5 * MiB + 3000, 7);
        Path src = dir.resolve("disk.raw");
        Files.write(src, raw);
        Path img = dir.resolve("disk.vmdk");
        Images.run("python3", VMDK_STREAM, src.toString(), img.toString());
        try (BlockNode node = Images.openReadOnly(img)) {
            assertEquals((raw.length + 511) / 512 * 512, node.size());
            byte[] all = Images.readAll(node);
            assertArrayEquals(raw, Arrays.copyOf(all, raw.length));
            assertTrue(Arrays.equals(new byte[all.length - raw.length], Arrays.copyOfRange(all, raw.length, all.length)));
            assertEquals(MapEntry.qemu(img, "vmdk"), MapEntry.jimg(node));
        }
    }

    /** Compression on many threads, writes in order, as {@code convert} does it. */
    private void writeStreamInParallel(Path img, byte[] raw) throws Exception {
        Images.create("vmdk", img, raw.length, Map.of("subformat", "streamOptimized"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (BlockNode node = Images.open(img, "vmdk")) {
            CompressedWrites cw = node.capability(CompressedWrites.class).orElseThrow();
            int unit = cw.compressionUnit();
            List<Future<byte[]>> compressed = new ArrayList<>();
            for (int off = 0; off < raw.length; off += unit) {
                ByteBuffer u = ByteBuffer.wrap(raw, off, Math.min(unit, raw.length - off)).slice();
                ByteBuffer full = ByteBuffer.allocate(unit).put(u).flip();
                compressed.add(pool.submit(() -> cw.compress(full)));
            }
            for (int i = 0; i < compressed.size(); i++) {
                byte[] c = compressed.get(i).get();
                long off = (long) i * unit;
                if (c != null) {
                    cw.writeCompressed(off, c);
                } else {
                    int n = (int) Math.min(unit, raw.length - off);
                    node.write(off, ByteBuffer.wrap(raw, (int) off, n));
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void streamWrittenWithParallelCompressionIsReadByQemuAndIsDeterministic() throws Exception {
        byte[] raw = sampleDisk(6 * MiB, 11);
        Path a = dir.resolve("a.vmdk");
        Path b = dir.resolve("b.vmdk");
        writeStreamInParallel(a, raw);
        writeStreamInParallel(b, raw);
        Path src = dir.resolve("src.raw");
        Files.write(src, raw);
        Images.assertQemuAgrees(a, "vmdk", src);
        byte[] fa = Files.readAllBytes(a);
        byte[] fb = Files.readAllBytes(b);
        int afterDescriptor = 21 * 512;
        assertArrayEquals(Arrays.copyOfRange(fb, afterDescriptor, fb.length),
                Arrays.copyOfRange(fa, afterDescriptor, fa.length), "identical output past the descriptor (CID)");
        try (BlockNode node = Images.openReadOnly(a)) {
            assertArrayEquals(raw, Images.readAll(node));
            assertEquals(MapEntry.qemu(a, "vmdk"), MapEntry.jimg(node));
        }
    }

    @Test
    void plainSequentialWritesGiveTheSameStreamAsCompressedWrites() throws Exception {
        byte[] raw = sampleDisk(4 * MiB + 512, 13);
        Path a = dir.resolve("a.vmdk");
        writeStreamInParallel(a, raw);
        Path b = dir.resolve("b.vmdk");
        Images.create("vmdk", b, raw.length, Map.of("subformat", "streamOptimized"));
        try (BlockNode node = Images.open(b, "vmdk")) {
            for (int off = 0; off < raw.length; off += 3 * MiB) {
                node.write(off, ByteBuffer.wrap(raw, off, Math.min(3 * MiB, raw.length - off)));
            }
        }
        byte[] fa = Files.readAllBytes(a);
        byte[] fb = Files.readAllBytes(b);
        assertArrayEquals(Arrays.copyOfRange(fa, 21 * 512, fa.length), Arrays.copyOfRange(fb, 21 * 512, fb.length));
    }

    @Test
    void emptyStreamCreatedByJimgIsAValidImage() throws IOException {
        Path img = dir.resolve("empty.vmdk");
        Images.create("vmdk", img, 64L << 30, Map.of("subformat", "streamOptimized"));
        Images.run("qemu-img", "check", img.toString());
        String info = Images.run("qemu-img", "info", img.toString()).output();
        assertTrue(info.contains("create type: streamOptimized") && info.contains("64 GiB"), info);
        try (BlockNode node = Images.open(img, "vmdk")) {
            assertTrue(node.capability(CompressedWrites.class).isPresent());
        }
        Images.run("qemu-img", "check", img.toString());
    }

    @Test
    void existingStreamIsNotRewrittenAndWritesMustBeSequential() throws IOException {
        Path img = dir.resolve("s.vmdk");
        Images.create("vmdk", img, 4 * MiB, Map.of("subformat", "streamOptimized"));
        try (BlockNode node = Images.open(img, "vmdk")) {
            node.write(2 * MiB, ByteBuffer.wrap(new byte[] {1}));
            node.write(3 * MiB, ByteBuffer.wrap(new byte[] {2}));
            ImageException e = assertThrows(ImageException.class, () -> node.write(0, ByteBuffer.wrap(new byte[] {3})));
            assertTrue(e.getMessage().contains("sequentially"), e.getMessage());
        }
        try (BlockNode node = Images.open(img, "vmdk")) {
            assertTrue(node.capability(CompressedWrites.class).isEmpty());
            assertThrows(NotSupportedException.class, () -> node.write(0, ByteBuffer.wrap(new byte[] {3})));
            ByteBuffer b = ByteBuffer.allocate(1);
            node.read(3 * MiB, b);
            assertEquals(2, b.get(0));
        }
        Images.run("qemu-img", "check", img.toString());
    }
    @Test
    void streamBeingWrittenReadsBackWhatWasWritten() throws IOException {
        // Found by the fuzz target: grains of a stream being written read as zeroes until close.
        Path img = dir.resolve("r.vmdk");
        Images.create("vmdk", img, 40 * MiB, Map.of("subformat", "streamOptimized"));
        byte[] first = new byte[64 * 1024];
        new Random(3).nextBytes(first);
        try (BlockNode node = Images.open(img, "vmdk")) {
            node.write(0, ByteBuffer.wrap(first));
            node.write(33 * MiB, ByteBuffer.wrap(new byte[] {7, 8}));
            node.write(35 * MiB, ByteBuffer.wrap(new byte[] {9}));
            ByteBuffer a = ByteBuffer.allocate(first.length);
            node.read(0, a);
            assertArrayEquals(first, a.array(), "a grain whose table was already written out");
            ByteBuffer b = ByteBuffer.allocate(2);
            node.read(33 * MiB, b);
            assertArrayEquals(new byte[] {7, 8}, b.array(), "a grain of the table being filled");
            ByteBuffer c = ByteBuffer.allocate(1);
            node.read(35 * MiB, c);
            assertEquals(9, c.get(0), "the grain being filled");
        }
    }
    @Test
    void emptyStreamWhoseOverheadLiesBeyondTheFileIsRefusedForWriting() throws IOException {
        // Found by fuzzing: the stream restarted at a huge overhead and grew the file to it.
        Path img = dir.resolve("o.vmdk");
        Images.create("vmdk", img, 4 * MiB, Map.of("subformat", "streamOptimized"));
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(img,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40), 64);
        }
        ImageException e = assertThrows(ImageException.class, () -> Images.open(img, "vmdk").close());
        assertTrue(e.getMessage().contains("overhead"), e.getMessage());
        assertTrue(Files.size(img) < MiB, "the file was not grown");
    }
}
