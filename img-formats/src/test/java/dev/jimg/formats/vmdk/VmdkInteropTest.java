package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.FormatSpecific;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.testing.MapEntry;
import dev.jimg.formats.testing.QemuView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** VMDK images exchanged with the real qemu-img 7.2, every subformat, in both directions. */
@Tag("interop")
class VmdkInteropTest {
    private static final int MiB = 1 << 20;
    private static final long SPLIT = 2L << 30;

    @TempDir
    Path dir;

    private static final String[] PATTERNS = {
        "write -P 0x11 0 64k",
        "write -P 0x22 1048000 100k",
        "write -P 0x33 3m 1m",
        "write -z 3m 64k",
        "write -P 0x44 5242368 512",
    };

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
        "streamOptimized"})
    void readsEachSubformatWrittenByQemu(String subformat) throws IOException {
        Path img = dir.resolve("q.vmdk");
        Images.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=" + subformat, img.toString(), "5M");
        if (subformat.equals("streamOptimized")) {
            Path raw = dir.resolve("src.raw");
            Images.run("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "5M");
            Images.qemuIo(raw, "raw", PATTERNS);
            Images.run("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized",
                    raw.toString(), img.toString());
        } else {
            Images.qemuIo(img, "vmdk", PATTERNS);
        }
        byte[] expected = Images.qemuRaw(img, "vmdk", dir);
        try (BlockNode node = Images.openReadOnly(img)) {
            assertEquals("vmdk", node.formatName());
            assertArrayEquals(expected, Images.readAll(node));
            assertEquals(MapEntry.qemu(img, "vmdk"), MapEntry.jimg(node));
            assertEquals(qemuFormatSpecific(img), json(node.capability(FormatSpecific.class).orElseThrow()
                    .formatSpecificData()));
        }
    }

    @Test
    void readsZeroedGrainEntriesWrittenByQemu() throws IOException {
        Path img = dir.resolve("z.vmdk");
        Images.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "zeroed_grain=on", img.toString(), "3M");
        Images.qemuIo(img, "vmdk", "write -P 0x11 0 192k", "write -z 0 64k", "write -z 1M 64k");
        byte[] expected = Images.qemuRaw(img, "vmdk", dir);
        try (BlockNode node = Images.openReadOnly(img)) {
            assertArrayEquals(expected, Images.readAll(node));
            List<MapEntry> map = MapEntry.jimg(node);
            assertEquals(MapEntry.qemu(img, "vmdk"), map);
            assertTrue(map.get(0).zero() && map.get(0).present() && !map.get(0).data(), map.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"twoGbMaxExtentSparse", "twoGbMaxExtentFlat"})
    void readsSplitImagesAcrossExtentBoundaries(String subformat) throws IOException {
        Path img = dir.resolve("big.vmdk");
        Images.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=" + subformat, img.toString(),
                Long.toString(SPLIT + 4 * MiB));
        Images.qemuIo(img, "vmdk", "write -P 0x55 " + (SPLIT - 70000) + " 140000", "write -P 0x66 0 512");
        try (BlockNode node = Images.openReadOnly(img)) {
            QemuView.assertSame(node, img, "vmdk", dir);
            ByteBuffer b = ByteBuffer.allocate(140000);
            node.read(SPLIT - 70000, b);
            byte[] all55 = new byte[140000];
            Arrays.fill(all55, (byte) 0x55);
            assertArrayEquals(all55, b.array());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
        "streamOptimized", "monolithicSparse,zeroed_grain=on", "monolithicSparse,adapter_type=lsilogic,hwversion=7"})
    void imagesWrittenByJimgPassQemuCheckAndCompare(String options) throws IOException {
        String[] parts = options.split(",");
        Map<String, String> o = new HashMap<>();
        o.put("subformat", parts[0]);
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=");
            o.put(kv[0], kv[1]);
        }
        Path img = dir.resolve("j.vmdk");
        int size = 5 * MiB + 512;
        Images.create("vmdk", img, size, o);
        byte[] model = new byte[size];
        try (BlockNode node = Images.open(img, "vmdk")) {
            Images.fill(node, model, 0, 70_000, (byte) 0x11);
            if (parts[0].equals("streamOptimized")) {
                // A stream is written front to back: zeroes only inside the grain being filled.
                node.writeZeroes(66_000, 2_000, true);
                Arrays.fill(model, 66_000, 68_000, (byte) 0);
                Images.fill(node, model, MiB - 100, 2 * MiB, (byte) 0x22);
            } else {
                Images.fill(node, model, MiB - 100, 2 * MiB, (byte) 0x22);
                node.writeZeroes(MiB, 64 * 1024, true);
                Arrays.fill(model, MiB, MiB + 64 * 1024, (byte) 0);
            }
            Images.fill(node, model, size - 512, 512, (byte) 0x33);
        }
        Images.assertQemuAgrees(img, "vmdk", model, dir);
        try (BlockNode node = Images.openReadOnly(img)) {
            assertArrayEquals(model, Images.readAll(node));
            assertEquals(MapEntry.qemu(img, "vmdk"), MapEntry.jimg(node));
            assertEquals(qemuFormatSpecific(img), json(node.capability(FormatSpecific.class).orElseThrow()
                    .formatSpecificData()));
        }
        if (o.containsKey("adapter_type")) {
            String text = new String(Files.readAllBytes(img), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("ddb.adapterType = \"lsilogic\"") && text.contains("ddb.virtualHWVersion = \"7\"")
                    && text.contains("ddb.geometry.heads = \"255\""), text.substring(512, 1200));
        }
    }

    @Test
    void splitImageWrittenByJimgSpansExtentsAsQemuSplitsThem() throws IOException {
        Path img = dir.resolve("split.vmdk");
        Images.create("vmdk", img, SPLIT + MiB, Map.of("subformat", "twoGbMaxExtentSparse"));
        try (BlockNode node = Images.open(img, "vmdk")) {
            byte[] data = new byte[200_000];
            Arrays.fill(data, (byte) 0x77);
            node.write(SPLIT - 100_000, ByteBuffer.wrap(data));
        }
        String descriptor = Files.readString(img);
        assertTrue(descriptor.contains("RW 4194304 SPARSE \"split-s001.vmdk\"")
                && descriptor.contains("RW 2048 SPARSE \"split-s002.vmdk\""), descriptor);
        Images.run("qemu-img", "check", img.toString());
        String out = Images.run("qemu-io", "-f", "vmdk", "-c", "read -P 0x77 " + (SPLIT - 100_000) + " 200000",
                img.toString()).output();
        assertTrue(out.contains("read 200000/200000"), out);
        try (BlockNode node = Images.openReadOnly(img)) {
            QemuView.assertSame(node, img, "vmdk", dir);
        }
    }

    @Test
    void createOptionsMatchQemu() throws IOException {
        Path ours = dir.resolve("ours.vmdk");
        Images.create("vmdk", ours, 3 * MiB, Map.of("compat6", "on"));
        String text = new String(Files.readAllBytes(ours), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("ddb.virtualHWVersion = \"6\""));
        Path theirs = dir.resolve("theirs.vmdk");
        Images.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "compat6=on", theirs.toString(), "3M");
        byte[] a = Files.readAllBytes(ours);
        byte[] b = Files.readAllBytes(theirs);
        assertEquals(b.length, a.length, "same layout, same file size");
        assertArrayEquals(Arrays.copyOf(b, 512), Arrays.copyOf(a, 512), "identical sparse header");
        assertArrayEquals(Arrays.copyOfRange(b, 21 * 512, b.length), Arrays.copyOfRange(a, 21 * 512, a.length),
                "identical grain directories and tables");
    }

    /** The {@code data} object of qemu-img info's {@code format-specific}, whitespace removed. */
    static String qemuFormatSpecific(Path img) throws IOException {
        String out = Images.run("qemu-img", "info", "--output=json", img.toString()).output();
        int fs = out.indexOf("\"format-specific\"");
        int start = out.indexOf("\"data\":", fs) + "\"data\":".length();
        int depth = 0;
        int i = start;
        while (true) {
            char c = out.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                break;
            }
            i++;
        }
        return out.substring(start, i + 1).replaceAll("\\s+", "");
    }

    /** Minimal JSON rendering of format-specific data, in qemu's layout without whitespace. */
    static String json(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (b.length() > 1) {
                    b.append(',');
                }
                b.append('"').append(e.getKey()).append("\":").append(json(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder b = new StringBuilder("[");
            for (Object o : l) {
                if (b.length() > 1) {
                    b.append(',');
                }
                b.append(json(o));
            }
            return b.append(']').toString();
        }
        if (v instanceof String s) {
            return "\"" + s.replaceAll("\\s+", "") + "\"";
        }
        return String.valueOf(v);
    }
}
