package dev.jimg.formats.hardening;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many virtual threads on one image of each writable format, each owning a region of the disk,
 * doing random reads, writes, write-zeroes and discards, checked against an exact per-thread model
 * as they go and at the end; then jimg's {@code check}, {@code qemu-img check} and
 * {@code qemu-img compare} against what jimg reads.
 *
 * <p>Regions are not aligned to the formats' allocation units, so threads allocate the same
 * cluster, block or grain at the same time — the case the drivers' locking exists for.
 */
@Tag("interop")
class ConcurrentGuestsTest {
    private static final int THREADS = 24;
    private static final int OPS_PER_THREAD = 60;
    private static final int SIZE = 24 << 20;
    /** Deliberately not a power of two: regions straddle allocation units. */
    private static final int REGION = 1_000_000;

    @TempDir
    Path dir;

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("raw", Map.of()),
                Arguments.of("qcow2", Map.of("cluster_size", "64k")),
                Arguments.of("vdi", Map.of()),
                Arguments.of("vmdk", Map.of("subformat", "monolithicSparse")),
                Arguments.of("vpc", Map.of()),
                Arguments.of("vhdx", Map.of("block_size", "1M")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void threadsOnDisjointRegionsReadExactlyWhatTheyWrote(String format, Map<String, String> options)
            throws Exception {
        Path img = dir.resolve("stress." + format);
        Images.create(format, img, SIZE, options);
        List<Region> regions = new ArrayList<>();
        try (BlockNode node = Images.open(img, format)) {
            long size = node.size();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Region>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    Region r = new Region(t, (long) t * REGION, (int) Math.min(REGION, size - (long) t * REGION));
                    done.add(pool.submit(() -> r.run(node)));
                }
                for (Future<Region> f : done) {
                    regions.add(f.get());
                }
            }
            node.flush();
            byte[] all = Images.readAll(node);
            for (Region r : regions) {
                r.verify(all, "after all threads");
            }
            var checkable = node.capability(Checkable.class);
            if (checkable.isPresent()) {
                List<String> report = new ArrayList<>();
                CheckResult c = checkable.get().check(Checkable.Repair.NONE, report::add);
                assertTrue(c.corruptions() == 0 && c.checkErrors() == 0, format + ": " + c + " " + report);
            }
            Path raw = dir.resolve("jimg-view.raw");
            Files.write(raw, all);
        }
        if (!format.equals("raw") && !format.equals("vpc")) {
            Images.run(List.of("qemu-img", "check", "-f", format, img.toString()), 0, 3);
        }
        Images.run("qemu-img", "compare", "-f", format, "-F", "raw", img.toString(),
                dir.resolve("jimg-view.raw").toString());
    }

    /** One thread's part of the disk and its model of it. */
    private static final class Region {
        private final Random random;
        private final long base;
        private final byte[] model;
        private final BitSet known = new BitSet();

        Region(int seed, long base, int length) {
            this.random = new Random(seed);
            this.base = base;
            this.model = new byte[length];
            known.set(0, length);
        }

        Region run(BlockNode node) throws IOException {
            for (int i = 0; i < OPS_PER_THREAD; i++) {
                int off = random.nextInt(model.length);
                int len = Math.min(model.length - off, 1 + random.nextInt(random.nextBoolean() ? 4096 : 300_000));
                switch (random.nextInt(8)) {
                    case 0, 1, 2 -> {
                        byte[] data = new byte[len];
                        random.nextBytes(data);
                        node.write(base + off, ByteBuffer.wrap(data));
                        System.arraycopy(data, 0, model, off, len);
                        known.set(off, off + len);
                    }
                    case 3 -> {
                        node.writeZeroes(base + off, len, random.nextBoolean());
                        Arrays.fill(model, off, off + len, (byte) 0);
                        known.set(off, off + len);
                    }
                    case 4 -> {
                        node.discard(base + off, len);
                        known.clear(off, off + len);
                    }
                    default -> {
                        ByteBuffer b = ByteBuffer.allocate(len);
                        node.read(base + off, b);
                        byte[] whole = new byte[model.length];
                        System.arraycopy(b.array(), 0, whole, off, len);
                        verifyRange(whole, off, off + len, "reading during the run");
                    }
                }
            }
            return this;
        }

        void verify(byte[] disk, String when) {
            byte[] mine = Arrays.copyOfRange(disk, (int) base, (int) base + model.length);
            verifyRange(mine, 0, model.length, when);
        }

        private void verifyRange(byte[] actual, int from, int to, String when) {
            for (int b = known.nextSetBit(from); b >= 0 && b < to; b = known.nextSetBit(b + 1)) {
                if (actual[b] != model[b]) {
                    throw new AssertionError("byte " + (base + b) + " " + when + " reads " + actual[b]
                            + ", its thread wrote " + model[b]);
                }
            }
        }
    }
}
