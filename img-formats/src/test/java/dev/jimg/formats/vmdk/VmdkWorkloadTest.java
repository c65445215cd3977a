package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jimg.block.BlockNode;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random writes, zero writes and discards against an in-memory model for every writable
 * subformat (streamOptimized is written front to back only, see VmdkStreamTest),
 * then qemu-img check and compare. Split subformats get a disk just over 2 GiB and a window of
 * activity around the extent boundary, so the model stays small.
 */
@Tag("interop")
class VmdkWorkloadTest {
    private static final int MiB = 1 << 20;
    private static final int WINDOW = 12 * MiB;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicSparse,zeroed_grain=on", "monolithicFlat",
        "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"})
    void randomWorkloadMatchesTheModel(String options) throws IOException {
        String[] parts = options.split(",");
        Map<String, String> o = new HashMap<>();
        o.put("subformat", parts[0]);
        for (int i = 1; i < parts.length; i++) {
            o.put(parts[i].split("=")[0], parts[i].split("=")[1]);
        }
        boolean split = parts[0].startsWith("twoGb");
        long size = split ? VmdkCreator.SPLIT_BYTES + WINDOW : WINDOW;
        long windowStart = split ? VmdkCreator.SPLIT_BYTES - WINDOW / 2 : 0;
        Path img = dir.resolve("w.vmdk");
        Images.create("vmdk", img, size, o);
        byte[] model = new byte[WINDOW];
        Random rnd = new Random(options.hashCode());
        try (BlockNode node = Images.open(img, "vmdk")) {
            for (int i = 0; i < 250; i++) {
                int off = rnd.nextInt(WINDOW - 1);
                int len = 1 + rnd.nextInt(Math.min(WINDOW - off, rnd.nextInt(8) == 0 ? 2 * MiB : 150_000));
                int op = rnd.nextInt(8);
                if (op < 5) {
                    byte[] data = new byte[len];
                    rnd.nextBytes(data);
                    node.write(windowStart + off, ByteBuffer.wrap(data));
                    System.arraycopy(data, 0, model, off, len);
                } else if (op < 7) {
                    node.writeZeroes(windowStart + off, len, rnd.nextBoolean());
                    Arrays.fill(model, off, off + len, (byte) 0);
                } else {
                    // Contents after a discard are unspecified: take what the image reads now.
                    node.discard(windowStart + off, len);
                    ByteBuffer now = ByteBuffer.allocate(len);
                    node.read(windowStart + off, now);
                    System.arraycopy(now.array(), 0, model, off, len);
                }
            }
            ByteBuffer all = ByteBuffer.allocate(WINDOW);
            node.read(windowStart, all);
            assertArrayEquals(model, all.array());
        }
        Path raw = dir.resolve("model.raw");
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(model), windowStart);
            if (ch.size() < size) {
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        }
        Images.run("qemu-img", "check", "-f", "vmdk", img.toString());
        Images.run("qemu-img", "compare", "-f", "vmdk", "-F", "raw", img.toString(), raw.toString());
    }

    @Test
    void concurrentWritersOfOneSparseImageAllLand() throws Exception {
        Path img = dir.resolve("c.vmdk");
        int size = 32 * MiB;
        Images.create("vmdk", img, size, Map.of());
        byte[] model = new byte[size];
        int threads = 8;
        int slice = size / threads;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (BlockNode node = Images.open(img, "vmdk")) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * slice;
                Random rnd = new Random(t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 60; i++) {
                        // Unaligned pieces: neighbouring threads share grains but never bytes.
                        int off = base + rnd.nextInt(slice - 100_000);
                        byte[] data = new byte[1 + rnd.nextInt(100_000)];
                        rnd.nextBytes(data);
                        node.write(off, ByteBuffer.wrap(data));
                        synchronized (model) {
                            System.arraycopy(data, 0, model, off, data.length);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertArrayEquals(model, Images.readAll(node));
        } finally {
            pool.shutdown();
        }
        Path raw = dir.resolve("model.raw");
        java.nio.file.Files.write(raw, model);
        Images.run("qemu-img", "check", img.toString());
        Images.run("qemu-img", "compare", "-f", "vmdk", "-F", "raw", img.toString(), raw.toString());
    }
}
