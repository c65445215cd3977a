package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Extent;
import dev.jimg.block.SnapshotInfo;
import dev.jimg.block.Snapshots;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Images qemu-img creates and qemu-io fills, read by jimg byte for byte as {@code qemu-img convert -O raw} reads them. */
@Tag("interop")
class Qcow2ReadInteropTest {
    @TempDir
    Path dir;

    static Stream<String> optionCombinations() {
        return Stream.of(
                "cluster_size=512",
                "cluster_size=4k",
                "cluster_size=64k",
                "cluster_size=2M",
                "compat=0.10",
                "compat=0.10,cluster_size=4k",
                "refcount_bits=1",
                "refcount_bits=16",
                "refcount_bits=64,cluster_size=4k",
                "lazy_refcounts=on",
                "extended_l2=on",
                "extended_l2=on,cluster_size=2M",
                "compression_type=zstd",
                "compression_type=zstd,cluster_size=512",
                "data_file=data.raw",
                "data_file=data.raw,data_file_raw=on");
    }

    private static long clusterSize(String options) {
        for (String o : options.split(",")) {
            if (o.startsWith("cluster_size=")) {
                String v = o.substring("cluster_size=".length());
                return switch (v) {
                    case "512" -> 512;
                    case "4k" -> 4096;
                    case "2M" -> 2 << 20;
                    default -> 65536;
                };
            }
        }
        return 65536;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionCombinations")
    void readsEveryClusterKindQemuWrites(String options) throws Exception {
        long cs = clusterSize(options);
        long size = Math.max(8L << 20, 10 * cs) + 1536;
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", options, "a.qcow2", Long.toString(size));
        long sub = cs >= 8192 ? 4096 : 0;
        List<String> io = new ArrayList<>(List.of(
                "write -P 0x11 0 " + (cs + Math.max(512, cs / 2)),
                "write -P 0x22 " + (3 * cs - 512) + " 1024",
                "write -z " + (5 * cs) + " " + cs,
                "write -P 0x44 " + (7 * cs + sub) + " " + Math.min(4096, cs),
                "write -P 0x55 " + (size - 1536) + " 1536",
                "discard " + (8 * cs) + " " + cs));
        if (!options.contains("data_file")) {
            io.add("write -c -P 0x33 " + (6 * cs) + " " + cs);
        }
        QemuTools.qemuIo(dir, "a.qcow2", io.toArray(String[]::new));
        assertArrayEquals(QemuTools.qemuRaw(dir, "a.qcow2"), QemuTools.jimgRaw(dir.resolve("a.qcow2")));
    }

    @Test
    void reportsCompressedClustersWithoutHostOffsetAsQemuMapDoes() throws Exception {
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "a.qcow2", "1M");
        QemuTools.qemuIo(dir, "a.qcow2", "write -c -P 0x11 0 64k", "write -P 0x22 64k 64k", "write -z 128k 64k");
        try (BlockNode n = QemuTools.open(dir.resolve("a.qcow2"), true)) {
            List<Extent> map = ChainStatus.map(n, 0, n.size());
            Extent compressed = map.get(0);
            assertEquals(65536, compressed.length());
            assertTrue(compressed.isCompressed() && compressed.isData() && !compressed.hasHostOffset());
            assertTrue(map.get(1).isData() && map.get(1).hasHostOffset());
            assertTrue(map.get(2).isZero() && map.get(2).isAllocated());
            assertTrue(map.get(3).isZero() && !map.get(3).isAllocated());
        }
    }

    @Test
    void readsBackingChainOfDepthThreeWithRelativeNames() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        QemuTools.ok(sub, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", "base.qcow2", "4M");
        QemuTools.qemuIo(sub, "base.qcow2", "write -P 0x01 0 4M");
        QemuTools.ok(sub, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2",
                "-o", "cluster_size=64k", "mid.qcow2", "6M");
        QemuTools.qemuIo(sub, "mid.qcow2", "write -P 0x02 1M 100k", "write -z 2M 64k");
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "sub/mid.qcow2", "-F", "qcow2",
                "-o", "cluster_size=512", "top.qcow2", "6M");
        QemuTools.qemuIo(dir, "top.qcow2", "write -P 0x03 1050k 3k", "write -P 0x04 5M 4k");
        byte[] expected = QemuTools.qemuRaw(dir, "top.qcow2");
        assertArrayEquals(expected, QemuTools.jimgRaw(dir.resolve("top.qcow2")));
        try (BlockNode n = QemuTools.open(dir.resolve("top.qcow2"), true)) {
            assertEquals("sub/mid.qcow2", n.backingReference().orElseThrow().name());
            assertEquals(2, ChainStatus.of(n, 0, 512).depth());
        }
    }

    @Test
    void listsAndAppliesSnapshotsQemuCreated() throws Exception {
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "a.qcow2", "2M");
        QemuTools.qemuIo(dir, "a.qcow2", "write -P 0x11 0 1M");
        byte[] before = QemuTools.qemuRaw(dir, "a.qcow2");
        QemuTools.ok(dir, "qemu-img", "snapshot", "-c", "first", "a.qcow2");
        QemuTools.qemuIo(dir, "a.qcow2", "write -P 0x22 512k 1M", "write -c -P 0x33 1536k 64k");
        QemuTools.ok(dir, "qemu-img", "snapshot", "-c", "second", "a.qcow2");
        QemuTools.qemuIo(dir, "a.qcow2", "write -P 0x44 0 2M");
        try (BlockNode n = QemuTools.open(dir.resolve("a.qcow2"), false)) {
            Snapshots snaps = n.capability(Snapshots.class).orElseThrow();
            List<SnapshotInfo> list = snaps.list();
            assertEquals(List.of("first", "second"), list.stream().map(SnapshotInfo::name).toList());
            assertEquals(List.of("1", "2"), list.stream().map(SnapshotInfo::id).toList());
            snaps.apply("first");
            ByteBuffer b = ByteBuffer.allocate((int) n.size());
            n.read(0, b);
            assertArrayEquals(before, b.array());
        }
        assertEquals(0, QemuTools.run(dir, "qemu-img", "check", "a.qcow2").exit());
        assertArrayEquals(before, QemuTools.qemuRaw(dir, "a.qcow2"));
    }

    @Test
    void keepsQemuBitmapsAndMarksThemStaleWhenWriting() throws Exception {
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "b.qcow2", "4M");
        QemuTools.qemuIo(dir, "b.qcow2", "write -P 0x11 0 1M");
        QemuTools.ok(dir, "qemu-img", "bitmap", "--add", "b.qcow2", "bm0");
        try (BlockNode n = QemuTools.open(dir.resolve("b.qcow2"), true)) {
            Object bitmaps = n.capability(dev.jimg.block.FormatSpecific.class).orElseThrow()
                    .formatSpecificData().get("bitmaps");
            assertEquals("[{flags=[auto], name=bm0, granularity=65536}]", String.valueOf(bitmaps));
            List<String> report = new ArrayList<>();
            assertEquals(0, n.capability(dev.jimg.block.Checkable.class).orElseThrow()
                    .check(dev.jimg.block.Checkable.Repair.NONE, report::add).exitCode(), report.toString());
        }
        try (BlockNode n = QemuTools.open(dir.resolve("b.qcow2"), false)) {
            n.write(2 << 20, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        // The bitmap no longer matches the data: the cleared autoclear bit tells QEMU so; its
        // clusters are then leaks that check -r reclaims, never corruption.
        QemuTools.Result info = QemuTools.run(dir, "qemu-img", "info", "b.qcow2");
        assertTrue(info.err().contains("considered inconsistent"), info.err());
        QemuTools.Result check = QemuTools.run(dir, "qemu-img", "check", "b.qcow2");
        assertTrue(check.exit() == 0 || check.exit() == 3, check.out() + check.err());
        byte[] raw = QemuTools.qemuRaw(dir, "b.qcow2");
        assertEquals(0x11, raw[0]);
        assertEquals(3, raw[(2 << 20) + 2]);
    }
}
