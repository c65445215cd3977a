package dev.jimg.formats.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jimg.block.BlockNode;
import dev.jimg.formats.testing.Images;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random writes, zero writes and discards against an in-memory model, then qemu-img check
 * and compare; and the same from many threads on disjoint blocks.
 */
@Tag("interop")
class VdiWorkloadTest {
    private static final int MiB = 1 << 20;
    private static final int SIZE = 24 * MiB + 4096;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void randomWorkloadMatchesTheModel(String isStatic) throws Exception {
        Path img = dir.resolve("w.vdi");
        Images.create("vdi", img, SIZE, Map.of("static", isStatic));
        byte[] model = new byte[SIZE];
        Random rnd = new Random(4242);
        try (BlockNode node = Images.open(img, "vdi")) {
            for (int i = 0; i < 300; i++) {
                int op = rnd.nextInt(10);
                int off = rnd.nextInt(SIZE);
                int len = 1 + rnd.nextInt(Math.min(SIZE - off, op < 2 ? 3 * MiB : 200_000));
                if (op < 6) {
                    byte[] data = new byte[len];
                    rnd.nextBytes(data);
                    node.write(off, ByteBuffer.wrap(data));
                    System.arraycopy(data, 0, model, off, len);
                } else if (op < 8) {
                    node.writeZeroes(off, len, rnd.nextBoolean());
                    Arrays.fill(model, off, off + len, (byte) 0);
                } else {
                    // A discard leaves the contents unspecified: zero the model where the image
                    // says the range reads as zero now, keep it elsewhere.
                    node.discard(off, len);
                    byte[] now = new byte[len];
                    node.read(off, ByteBuffer.wrap(now));
                    System.arraycopy(now, 0, model, off, len);
                }
            }
            assertArrayEquals(model, Images.readAll(node));
        }
        Path raw = dir.resolve("model.raw");
        Files.write(raw, model);
        Images.run("qemu-img", "check", "-f", "vdi", img.toString());
        Images.run("qemu-img", "compare", "-f", "vdi", "-F", "raw", img.toString(), raw.toString());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void concurrentWritersOfDisjointRangesAllLand(int seed) throws Exception {
        Path img = dir.resolve("c.vdi");
        Images.create("vdi", img, SIZE, Map.of());
        byte[] model = new byte[SIZE];
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (BlockNode node = Images.open(img, "vdi")) {
            List<Future<?>> done = new ArrayList<>();
            int slice = SIZE / threads / 4096 * 4096;
            for (int t = 0; t < threads; t++) {
                int base = t * slice;
                Random rnd = new Random(seed * 100L + t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        // Straddle slice edges so that threads share blocks but never bytes.
                        int off = base + rnd.nextInt(slice - 70_000);
                        byte[] data = new byte[1 + rnd.nextInt(70_000)];
                        rnd.nextBytes(data);
                        node.write(off, ByteBuffer.wrap(data));
                        synchronized (model) {
                            System.arraycopy(data, 0, model, off, data.length);
                        }
                        if (i % 10 == 9) {
                            node.writeZeroes(off, data.length, true);
                            synchronized (model) {
                                Arrays.fill(model, off, off + data.length, (byte) 0);
                            }
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
        Files.write(raw, model);
        Images.run("qemu-img", "check", "-f", "vdi", img.toString());
        Images.run("qemu-img", "compare", "-f", "vdi", "-F", "raw", img.toString(), raw.toString());
    }
}
