package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable.Repair;
import dev.jimg.block.testing.MemoryFileNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: for any seed, a random workload on any image layout reads back exactly as a plain
 * byte array (the model) that received the same operations, before and after reopening, and
 * leaves metadata that check finds clean. Each seed draws its own layout.
 */
class Qcow2ModelPropertyTest {
    private static final int SEEDS = 40;
    private static final int OPERATIONS = 150;

    @TempDir
    Path dir;

    @Test
    void randomWorkloadsReadBackAsTheModelAndCheckClean() throws Exception {
        String[] clusters = {"512", "4k", "64k", "1M"};
        String[] refcounts = {"1", "2", "8", "16", "32", "64"};
        for (int seed = 0; seed < SEEDS; seed++) {
            Random r = new Random(seed);
            String cs = clusters[r.nextInt(clusters.length)];
            Map<String, String> o = new java.util.LinkedHashMap<>();
            o.put("cluster_size", cs);
            boolean v3 = r.nextInt(4) != 0;
            if (!v3) {
                o.put("compat", "0.10");
            } else {
                o.put("refcount_bits", refcounts[r.nextInt(refcounts.length)]);
                if (r.nextBoolean() && !cs.equals("512") && !cs.equals("4k")) {
                    o.put("extended_l2", "on");
                }
                if (r.nextBoolean()) {
                    o.put("compression_type", "zstd");
                }
            }
            int clusterSize = switch (cs) {
                case "512" -> 512;
                case "4k" -> 4096;
                case "64k" -> 65536;
                default -> 1 << 20;
            };
            int size = (1 + r.nextInt(6)) << 20 | r.nextInt(8) << 9;
            Path img = dir.resolve("p" + seed + ".qcow2");
            Workload.create(img, size, o);
            String context = "seed " + seed + " options " + o;
            byte[] image = Files.readAllBytes(img);
            String failure = failure(image, seed, size, clusterSize, OPERATIONS);
            if (failure != null) {
                int shortest = shortestFailingWorkload(image, seed, size, clusterSize);
                throw new AssertionError(context + ": fails after its first " + shortest + " operations: "
                        + failure(image, seed, size, clusterSize, shortest));
            }
            Files.delete(img);
        }
    }

    /**
     * Runs the first {@code operations} operations of the seed's workload on a fresh copy of
     * {@code image}, reads back, reopens, reads back and checks; returns what went wrong, or null.
     */
    private static String failure(byte[] image, int seed, int size, int clusterSize, int operations)
            throws Exception {
        MemoryFileNode disk = new MemoryFileNode("p" + seed + ".qcow2", image.clone());
        Workload w = new Workload(seed, new byte[size], clusterSize, true, true);
        try {
            try (Qcow2Node n = NodeContext.open(disk, false)) {
                w.run(n, operations);
                w.verify(n);
            }
            try (Qcow2Node n = NodeContext.open(new MemoryFileNode("reopened", disk.contents()), true)) {
                w.verify(n);
                List<String> report = new ArrayList<>();
                CheckResult c = n.check(Repair.NONE, report::add);
                if (c.corruptions() + c.leaks() + c.checkErrors() != 0) {
                    return "check after reopening: " + report;
                }
            }
            return null;
        } catch (AssertionError | RuntimeException e) {
            return e.toString();
        }
    }

    /**
     * Shrinks a failing workload to its shortest failing prefix, as a property-testing library
     * would shrink it: a workload draws its operations one after another from its seed, so its
     * first k operations are a workload of their own. Bisects, assuming that a prefix that fails
     * keeps failing when longer (the usual case; the answer is then the shortest one).
     */
    private static int shortestFailingWorkload(byte[] image, int seed, int size, int clusterSize) throws Exception {
        int passes = 0;
        int fails = OPERATIONS;
        while (fails - passes > 1) {
            int mid = (passes + fails) >>> 1;
            if (failure(image, seed, size, clusterSize, mid) != null) {
                fails = mid;
            } else {
                passes = mid;
            }
        }
        return fails;
    }
}
