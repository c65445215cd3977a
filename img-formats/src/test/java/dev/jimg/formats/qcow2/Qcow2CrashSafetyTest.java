package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable.Repair;
import dev.jimg.block.testing.FaultInjectingNode;
import dev.jimg.block.testing.MemoryFileNode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cuts the power after every write of a workload in turn, loses a random subset of the writes
 * not yet flushed, and checks what a crash may leave: no corruption (leaked clusters are
 * allowed), and every byte flushed before the crash and not written since reads as flushed.
 */
class Qcow2CrashSafetyTest {
    private static final int SIZE = 3 << 20;
    private static final int OPS = 40;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cluster_size=64k", "cluster_size=512", "lazy_refcounts=on,cluster_size=4k",
        "extended_l2=on,cluster_size=32k", "compat=0.10,cluster_size=4k"})
    void crashAtAnyWriteLeavesNoCorruptionAndKeepsFlushedData(String options) throws Exception {
        Map<String, String> o = new java.util.LinkedHashMap<>();
        for (String kv : options.split(",")) {
            o.put(kv.split("=")[0], kv.split("=")[1]);
        }
        Path img = dir.resolve("base.qcow2");
        Workload.create(img, SIZE, o);
        byte[] fresh = Files.readAllBytes(img);
        int cs;
        try (Qcow2Node n = NodeContext.open(new MemoryFileNode("probe", fresh), true)) {
            cs = n.clusterSize().orElseThrow();
        }
        boolean v3 = !options.contains("compat=0.10");
        long total = run(fresh, Long.MAX_VALUE, cs, v3, null);
        assertTrue(total > OPS, "the workload should write more than once per operation, wrote " + total);
        Random loss = new Random(99);
        for (long cut = 1; cut <= total; cut++) {
            run(fresh, cut, cs, v3, loss);
        }
    }

    /** Runs the workload with the power cut after {@code cut} writes; returns the writes made. */
    private long run(byte[] fresh, long cut, int cs, boolean v3, Random loss) throws Exception {
        MemoryFileNode disk = new MemoryFileNode("crash.qcow2", fresh);
        FaultInjectingNode faulty = new FaultInjectingNode(disk, cut);
        Workload w = new Workload(5, new byte[SIZE], cs, true, v3);
        byte[] flushed = new byte[SIZE];
        boolean[] writtenSinceFlush = new boolean[SIZE];
        try (Qcow2Node n = NodeContext.open(faulty, false)) {
            for (int i = 0; i < OPS; i++) {
                byte[] before = w.model.clone();
                w.step(n);
                for (int b = 0; b < SIZE; b++) {
                    if (before[b] != w.model[b]) {
                        writtenSinceFlush[b] = true;
                    }
                }
                if (w.last.startsWith("kind=9") || w.last.startsWith("kind=8") && !v3 || i % 10 == 9) {
                    n.flush();
                    if (!faulty.powerCut()) {
                        System.arraycopy(w.model, 0, flushed, 0, SIZE);
                        Arrays.fill(writtenSinceFlush, false);
                    }
                }
            }
        }
        if (loss == null) {
            return faulty.writes();
        }
        byte[] crashed = faulty.crashImage(loss);
        List<String> report = new ArrayList<>();
        try (Qcow2Node n = NodeContext.open(new MemoryFileNode("crashed.qcow2", crashed), true)) {
            if (n.isDirty()) {
                // Lazy refcounts: refcounts may lag; the dirty bit makes the next read-write open repair them.
                assertTrue(n.s.header().lazyRefcounts(), "dirty bit without lazy refcounts, cut after write " + cut);
            } else {
                CheckResult r = n.check(Repair.NONE, report::add);
                assertEquals(0, r.corruptions(), "cut after write " + cut + ": " + report);
                assertEquals(0, r.checkErrors(), "cut after write " + cut + ": " + report);
            }
        }
        try (Qcow2Node n = NodeContext.open(new MemoryFileNode("crashed.qcow2", crashed), false)) {
            ByteBuffer all = ByteBuffer.allocate(SIZE);
            n.read(0, all);
            for (int b = 0; b < SIZE; b++) {
                if (!writtenSinceFlush[b] && all.get(b) != flushed[b]) {
                    throw new AssertionError("cut after write " + cut + ": byte " + b + " was flushed as "
                            + flushed[b] + " but reads " + all.get(b));
                }
            }
            CheckResult r = n.check(Repair.NONE, report::add);
            assertEquals(0, r.corruptions(), "after reopening read-write, cut after write " + cut + ": " + report);
        }
        return faulty.writes();
    }
}
