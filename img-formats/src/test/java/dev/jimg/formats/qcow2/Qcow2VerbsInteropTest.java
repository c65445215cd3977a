package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.Amendable;
import dev.jimg.block.BackingFileChange;
import dev.jimg.block.BlockNode;
import dev.jimg.block.FormatSpecific;
import dev.jimg.block.ImageException;
import dev.jimg.block.MakeEmpty;
import dev.jimg.block.ProgressListener;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.spi.MeasureRequest;
import dev.jimg.block.spi.Measurement;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** measure, amend, resize, rebase -u, commit's make-empty and info's format-specific block against qemu-img. */
@Tag("interop")
class Qcow2VerbsInteropTest {
    @TempDir
    Path dir;

    private static Map<String, String> parse(String options) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : options.split(",")) {
            if (!kv.isEmpty()) {
                m.put(kv.split("=", 2)[0], kv.split("=", 2)[1]);
            }
        }
        return m;
    }

    private static final Pattern MEASURE = Pattern.compile("\"(required|fully-allocated)\": (\\d+)");

    private long[] qemuMeasure(String... args) throws Exception {
        String out = QemuTools.ok(dir, args);
        long[] r = new long[2];
        Matcher m = MEASURE.matcher(out);
        while (m.find()) {
            r[m.group(1).equals("required") ? 0 : 1] = Long.parseLong(m.group(2));
        }
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cluster_size=64k", "cluster_size=512", "cluster_size=2M", "refcount_bits=1",
        "refcount_bits=64", "extended_l2=on", "preallocation=full", "compat=0.10,cluster_size=4k"})
    void measuresExactlyAsQemu(String options) throws Exception {
        Qcow2Driver d = new Qcow2Driver();
        ImageOptions o = ImageOptions.of(d.createOptions(), parse(options));
        for (long size : new long[] {0, 1, 1L << 20, 10L << 30, (1L << 40) + 4096}) {
            QemuTools.Result r = QemuTools.run(dir, "qemu-img", "measure", "--output=json", "-O", "qcow2", "-o",
                    options, "--size", Long.toString(size));
            if (r.exit() != 0) {
                ImageException e = assertThrows(ImageException.class,
                        () -> d.measure(new MeasureRequest(size, o, Optional.empty())));
                assertTrue(r.err().contains(e.getMessage()), r.err() + " vs " + e.getMessage());
                continue;
            }
            long[] q = qemuMeasure("qemu-img", "measure", "--output=json", "-O", "qcow2", "-o", options,
                    "--size", Long.toString(size));
            Measurement m = d.measure(new MeasureRequest(size, o, Optional.empty()));
            assertEquals(q[0], m.required(), options + " size " + size + " required");
            assertEquals(q[1], m.fullyAllocated(), options + " size " + size + " fully allocated");
        }
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "src.qcow2", "20M");
        QemuTools.qemuIo(dir, "src.qcow2", "write -P 1 0 1M", "write -P 2 5M 100k", "write -z 8M 1M",
                "write -P 3 19M 4k");
        long[] q = qemuMeasure("qemu-img", "measure", "--output=json", "-O", "qcow2", "-o", options, "src.qcow2");
        try (BlockNode src = QemuTools.open(dir.resolve("src.qcow2"), true)) {
            Measurement m = d.measure(new MeasureRequest(0, o, Optional.of(src)));
            assertEquals(q[0], m.required(), options + " of an image, required");
            assertEquals(q[1], m.fullyAllocated(), options + " of an image, fully allocated");
        }
    }

    @Test
    void formatSpecificInfoHasQemusKeysAndValues() throws Exception {
        for (String options : new String[] {"compat=0.10", "compression_type=zstd,lazy_refcounts=on,extended_l2=on",
            "data_file=d.raw,data_file_raw=on", "refcount_bits=1"}) {
            Path img = dir.resolve("i.qcow2");
            Workload.create(img, 1 << 20, parse(options));
            String json = QemuTools.ok(dir, "qemu-img", "info", "--output=json", "i.qcow2");
            String data = json.substring(json.indexOf("\"data\": {") + 9, json.indexOf('}', json.indexOf("\"data\": {")));
            StringBuilder ours = new StringBuilder();
            try (BlockNode n = QemuTools.open(img, true)) {
                for (Map.Entry<String, Object> e : n.capability(FormatSpecific.class).orElseThrow()
                        .formatSpecificData().entrySet()) {
                    Object v = e.getValue();
                    ours.append('"').append(e.getKey()).append("\": ")
                            .append(v instanceof String ? "\"" + v + "\"" : v).append(',');
                }
            }
            String theirs = data.replaceAll("\\s+", "") + ",";
            assertEquals(theirs, ours.toString().replace(" ", ""), options);
        }
    }

    @Test
    void amendsCompatRefcountBitsAndLazyRefcountsKeepingDataAndConsistency() throws Exception {
        Path img = dir.resolve("a.qcow2");
        Workload.create(img, 4 << 20, Map.of("cluster_size", "4k"));
        Workload w = new Workload(3, new byte[4 << 20], 4096, true, true);
        try (BlockNode n = QemuTools.open(img, false)) {
            w.run(n, 150);
        }
        String[][] steps = {{"refcount_bits", "1"}, {"refcount_bits", "64"}, {"lazy_refcounts", "on"},
            {"lazy_refcounts", "off"}, {"refcount_bits", "16"}, {"compat", "0.10"}, {"compat", "1.1"}};
        Qcow2Driver d = new Qcow2Driver();
        for (String[] step : steps) {
            try (BlockNode n = QemuTools.open(img, false)) {
                if (step[0].equals("refcount_bits") && step[1].equals("1")) {
                    // Compressed clusters share host clusters (refcount 2): 1-bit refcounts must be refused.
                    ImageException e = assertThrows(ImageException.class, () -> n.capability(Amendable.class)
                            .orElseThrow().amend(ImageOptions.of(d.createOptions(), Map.of(step[0], step[1])),
                                    ProgressListener.NONE));
                    assertTrue(e.getMessage().contains("refcount"), e.getMessage());
                    continue;
                }
                n.capability(Amendable.class).orElseThrow()
                        .amend(ImageOptions.of(d.createOptions(), Map.of(step[0], step[1])), ProgressListener.NONE);
            }
            QemuTools.Result check = QemuTools.run(dir, "qemu-img", "check", "a.qcow2");
            assertEquals(0, check.exit(), step[0] + "=" + step[1] + ": " + check.out() + check.err());
            String info = QemuTools.ok(dir, "qemu-img", "info", "a.qcow2");
            String expect = switch (step[0]) {
                case "refcount_bits" -> "refcount bits: " + step[1];
                case "lazy_refcounts" -> "lazy refcounts: " + (step[1].equals("on") ? "true" : "false");
                default -> "compat: " + step[1];
            };
            assertTrue(info.contains(expect), info);
            assertArrayEquals(w.model, QemuTools.qemuRaw(dir, "a.qcow2"), step[0] + "=" + step[1]);
        }
    }

    @Test
    void resizesUpAndDownAsQemuReadsIt() throws Exception {
        Path img = dir.resolve("r.qcow2");
        Workload.create(img, (3 << 20) + 1000, Map.of("cluster_size", "4k"));
        try (BlockNode n = QemuTools.open(img, false)) {
            byte[] ones = new byte[(3 << 20) + 1000];
            java.util.Arrays.fill(ones, (byte) 1);
            n.write(0, ByteBuffer.wrap(ones));
            n.resize(1 << 20);
            n.resize(600L << 20);
            assertEquals(600L << 20, n.size());
        }
        byte[] expected = new byte[600 << 20];
        java.util.Arrays.fill(expected, 0, 1 << 20, (byte) 1);
        assertEquals(0, QemuTools.run(dir, "qemu-img", "check", "r.qcow2").exit());
        assertArrayEquals(expected, QemuTools.qemuRaw(dir, "r.qcow2"));
    }

    @Test
    void rebaseUnsafeAndMakeEmptyLeaveWhatQemuExpects() throws Exception {
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "b1.qcow2", "1M");
        QemuTools.qemuIo(dir, "b1.qcow2", "write -P 7 0 1M");
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "raw", "b2.raw", "1M");
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "b1.qcow2", "-F", "qcow2", "t.qcow2");
        QemuTools.qemuIo(dir, "t.qcow2", "write -P 9 0 64k");
        try (BlockNode n = QemuTools.open(dir.resolve("t.qcow2"), false)) {
            n.capability(BackingFileChange.class).orElseThrow().changeBackingFile("b2.raw", "raw");
        }
        String info = QemuTools.ok(dir, "qemu-img", "info", "t.qcow2");
        assertTrue(info.contains("backing file: b2.raw") && info.contains("backing file format: raw"), info);
        try (BlockNode n = QemuTools.open(dir.resolve("t.qcow2"), false)) {
            n.capability(MakeEmpty.class).orElseThrow().makeEmpty();
        }
        assertEquals(0, QemuTools.run(dir, "qemu-img", "check", "t.qcow2").exit());
        assertArrayEquals(new byte[1 << 20], QemuTools.qemuRaw(dir, "t.qcow2"));
        assertTrue(QemuTools.ok(dir, "qemu-img", "map", "--output=json", "t.qcow2").contains("\"depth\": 1"));
        assertTrue(Files.size(dir.resolve("t.qcow2")) > 0);
    }
}
