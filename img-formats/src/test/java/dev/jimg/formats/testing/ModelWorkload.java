package dev.jimg.formats.testing;

import dev.jimg.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Seeded random guest activity applied to an image and, byte for byte, to a model of a window of
 * it, for the format workload tests: afterwards the image must read as the model, and qemu-img
 * must agree ({@link Images#assertQemuAgrees}).
 */
public final class ModelWorkload {
    /** One request in this many is long enough to cross several blocks or grains. */
    private static final int LONG_REQUEST_ODDS = 8;

    private ModelWorkload() {
    }

    /**
     * {@code ops} random writes (five in eight), write-zeroes with or without unmap (two in eight)
     * and discards, inside {@code [windowStart, windowStart + model.length)}. A discard leaves
     * the contents unspecified, so the model takes what the image reads there afterwards.
     *
     * @param shortMax the longest ordinary request
     * @param longMax  the longest of the occasional long requests
     */
    public static void randomOps(BlockNode node, long windowStart, byte[] model, Random rnd, int ops, int shortMax,
            int longMax) throws IOException {
        for (int i = 0; i < ops; i++) {
            int off = rnd.nextInt(model.length - 1);
            int max = rnd.nextInt(LONG_REQUEST_ODDS) == 0 ? longMax : shortMax;
            int len = 1 + rnd.nextInt(Math.min(model.length - off, max));
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
                node.discard(windowStart + off, len);
                ByteBuffer now = ByteBuffer.allocate(len);
                node.read(windowStart + off, now);
                System.arraycopy(now.array(), 0, model, off, len);
            }
        }
    }

    /**
     * {@code threads} platform threads, each writing random data {@code writes} times at
     * unaligned offsets of its own slice of the model's size: neighbours share blocks or grains,
     * never bytes, so every write must land whatever order the allocations happen in. With
     * {@code zeroEvery > 0}, every {@code zeroEvery}-th write is then zeroed with unmap, so that
     * blocks are freed while others allocate.
     */
    public static void disjointWriters(BlockNode node, byte[] model, int threads, int writes, int maxLength,
            long seed, int zeroEvery) throws Exception {
        int slice = model.length / threads / 4096 * 4096;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * slice;
                Random rnd = new Random(seed * 100 + t);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < writes; i++) {
                        int off = base + rnd.nextInt(slice - maxLength);
                        byte[] data = new byte[1 + rnd.nextInt(maxLength)];
                        rnd.nextBytes(data);
                        node.write(off, ByteBuffer.wrap(data));
                        synchronized (model) {
                            System.arraycopy(data, 0, model, off, data.length);
                        }
                        if (zeroEvery > 0 && i % zeroEvery == zeroEvery - 1) {
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
        } finally {
            pool.shutdown();
        }
    }
}
