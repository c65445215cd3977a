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
            MemoryFileNode disk = new MemoryFileNode(img.toString(), Files.readAllBytes(img));
            Workload w = new Workload(seed, new byte[size], clusterSize, true, true);
            String context = "seed " + seed + " options " + o;
            try (Qcow2Node n = NodeContext.open(disk, false)) {
                w.run(n, 150);
                w.verify(n);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(context + ": " + e.getMessage(), e);
            }
            try (Qcow2Node n = NodeContext.open(new MemoryFileNode("reopened", disk.contents()), true)) {
                w.verify(n);
                List<String> report = new ArrayList<>();
                CheckResult c = n.check(Repair.NONE, report::add);
                assertEquals(0, c.corruptions() + c.leaks() + c.checkErrors(), context + ": " + report);
            }
            Files.delete(img);
        }
    }
}
