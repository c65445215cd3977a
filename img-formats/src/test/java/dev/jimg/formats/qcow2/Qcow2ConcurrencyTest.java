package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.Checkable.Repair;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many threads at once: each owns a region, and all fight over the same unallocated clusters too. */
class Qcow2ConcurrencyTest {
    private static final int THREADS = 8;
    private static final int REGION = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void concurrentWritersToDisjointAndSharedClustersLoseNothing() throws Exception {
        Path img = dir.resolve("c.qcow2");
        int shared = 64 * 4096;
        // The shared clusters lie after every thread's own region: bytes two threads write in an
        // undefined order would make the expected contents a guess.
        int size = THREADS * REGION + shared;
        Workload.create(img, size, Map.of("cluster_size", "4k"));
        byte[] expected = new byte[size];
        try (BlockNode n = QemuTools.open(img, false);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                tasks.add(pool.submit(() -> {
                    Random r = new Random(id);
                    for (int i = 0; i < 300; i++) {
                        int len = 1 + r.nextInt(12000);
                        int off = id * REGION + r.nextInt(REGION - len);
                        byte[] data = new byte[len];
                        java.util.Arrays.fill(data, (byte) (id + 1));
                        n.write(off, ByteBuffer.wrap(data));
                        synchronized (expected) {
                            System.arraycopy(data, 0, expected, off, len);
                        }
                        if (i % 50 == 0) {
                            n.flush();
                        }
                    }
                    return null;
                }));
            }
            // Every thread also writes its own 512-byte slice of the same fresh clusters at the end.
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                tasks.add(pool.submit(() -> {
                    for (int c = 0; c < 64; c++) {
                        int off = size - shared + c * 4096 + id * 512;
                        byte[] data = new byte[512];
                        java.util.Arrays.fill(data, (byte) (0x80 + id));
                        n.write(off, ByteBuffer.wrap(data));
                        synchronized (expected) {
                            System.arraycopy(data, 0, expected, off, 512);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : tasks) {
                f.get();
            }
            ByteBuffer all = ByteBuffer.allocate(size);
            n.read(0, all);
            assertArrayEquals(expected, all.array());
        }
        try (BlockNode n = QemuTools.open(img, true)) {
            List<String> report = new ArrayList<>();
            CheckResult c = n.capability(Checkable.class).orElseThrow().check(Repair.NONE, report::add);
            assertEquals(0, c.corruptions() + c.leaks(), report.toString());
        }
        assertEquals(0, QemuTools.run(dir, "qemu-img", "check", "c.qcow2").exit());
    }
}
