package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Snapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images jimg creates and writes under random workloads: qemu-img check finds nothing, and
 * qemu-img compare finds them equal to a raw file of the model's contents.
 */
@Tag("interop")
class Qcow2WriteInteropTest {
    @TempDir
    Path dir;

    static Stream<String> optionCombinations() {
        return Stream.of("cluster_size=64k", "cluster_size=512", "cluster_size=4k", "cluster_size=2M", "compat=0.10",
                "refcount_bits=1", "refcount_bits=64,cluster_size=4k", "lazy_refcounts=on", "extended_l2=on",
                "extended_l2=on,cluster_size=32k", "compression_type=zstd", "data_file=data.raw",
                "data_file=data.raw,data_file_raw=on", "preallocation=metadata", "preallocation=falloc,cluster_size=4k");
    }

    private static Map<String, String> parse(String options) {
        Map<String, String> m = new LinkedHashMap<>();
        if (!options.isEmpty()) {
            for (String kv : options.split(",")) {
                String[] p = kv.split("=", 2);
                m.put(p[0], p[1]);
            }
        }
        return m;
    }

    private static int clusterSize(Map<String, String> o) {
        String v = o.getOrDefault("cluster_size", "64k");
        return switch (v) {
            case "512" -> 512;
            case "4k" -> 4096;
            case "32k" -> 32768;
            case "2M" -> 2 << 20;
            default -> 65536;
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionCombinations")
    void imageWrittenByJimgPassesQemuCheckAndCompare(String options) throws Exception {
        Map<String, String> o = parse(options);
        int cs = clusterSize(o);
        int size = Math.max(8 << 20, 6 * cs) + 3 * 512;
        Path img = dir.resolve("a.qcow2");
        Workload.create(img, size, o);
        boolean compress = !o.containsKey("data_file");
        Workload w = new Workload(options.hashCode(), new byte[size], cs, true, compress);
        try (BlockNode n = QemuTools.open(img, false)) {
            w.run(n, 300);
            w.verify(n);
        }
        assertQemuAgrees(img, w.model);
        try (BlockNode n = QemuTools.open(img, true)) {
            w.verify(n);
        }
    }

    private void assertQemuAgrees(Path img, byte[] model) throws Exception {
        QemuTools.Result check = QemuTools.run(dir, "qemu-img", "check", img.getFileName().toString());
        assertEquals(0, check.exit(), check.out() + check.err());
        assertFalse((check.out() + check.err()).contains("Leaked"), check.out() + check.err());
        Files.write(dir.resolve("model.raw"), model);
        QemuTools.Result cmp = QemuTools.run(dir, "qemu-img", "compare", "-f", "qcow2", "-F", "raw",
                img.getFileName().toString(), "model.raw");
        assertEquals(0, cmp.exit(), cmp.out() + cmp.err());
    }

    @Test
    void writesOverBackingChainCopyPartialClustersFromBacking() throws Exception {
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", "base.qcow2", "4M");
        QemuTools.qemuIo(dir, "base.qcow2", "write -P 0x61 0 4M");
        byte[] base = QemuTools.qemuRaw(dir, "base.qcow2");
        for (String compat : List.of("1.1", "0.10")) {
            Path img = dir.resolve("top-" + compat + ".qcow2");
            Workload.create(img, 4 << 20, Map.of("backing_file", "base.qcow2", "backing_fmt", "qcow2",
                    "compat", compat, "cluster_size", "64k"));
            Workload w = new Workload(7, base, 65536, compat.equals("1.1"), true);
            try (BlockNode n = QemuTools.open(img, false)) {
                w.run(n, 200);
                w.verify(n);
            }
            assertQemuAgrees(img, w.model);
        }
    }

    @Test
    void snapshotsJimgTakesAreListedAndAppliedByQemu() throws Exception {
        Path img = dir.resolve("s.qcow2");
        Workload.create(img, 2 << 20, Map.of());
        Workload w = new Workload(11, new byte[2 << 20], 65536, true, true);
        byte[] atSnapshot;
        try (BlockNode n = QemuTools.open(img, false)) {
            w.run(n, 100);
            atSnapshot = w.model.clone();
            n.capability(Snapshots.class).orElseThrow().create("jimg-snap");
            w.run(n, 100);
            w.verify(n);
        }
        assertQemuAgrees(img, w.model);
        String list = QemuTools.ok(dir, "qemu-img", "snapshot", "-l", "s.qcow2");
        assertEquals(true, list.contains("jimg-snap"), list);
        QemuTools.ok(dir, "qemu-img", "snapshot", "-a", "jimg-snap", "s.qcow2");
        assertQemuAgrees(img, atSnapshot);
        QemuTools.ok(dir, "qemu-img", "snapshot", "-d", "jimg-snap", "s.qcow2");
        assertQemuAgrees(img, atSnapshot);
        try (BlockNode n = QemuTools.open(img, false)) {
            Snapshots s = n.capability(Snapshots.class).orElseThrow();
            s.create("a");
            w = new Workload(12, atSnapshot, 65536, true, true);
            w.run(n, 50);
            s.create("b");
            s.delete("a");
            s.apply("b");
            w.verify(n);
        }
        assertQemuAgrees(img, w.model);
        assertArrayEquals(w.model, QemuTools.jimgRaw(img));
    }
}
