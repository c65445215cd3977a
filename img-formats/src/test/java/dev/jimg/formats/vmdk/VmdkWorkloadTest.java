package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jimg.block.BlockNode;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.testing.ModelWorkload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random writes, zero writes and discards against an in-memory model for every writable
 * subformat (streamOptimized is written front to back only, see VmdkStreamTest),
 * then qemu-img check and compare. Split subformats get a disk just over 2 GiB and a window of
 * activity around the extent boundary, so the model stays small.
 */
@Tag("interop")
class VmdkWorkloadTest {
    private static final int MiB = 1 << 20;
    private static final int WINDOW = 12 * MiB;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicSparse,zeroed_grain=on", "monolithicFlat",
        "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"})
    void randomWorkloadMatchesTheModel(String options) throws IOException {
        String[] parts = options.split(",");
        Map<String, String> o = new HashMap<>();
        o.put("subformat", parts[0]);
        for (int i = 1; i < parts.length; i++) {
            o.put(parts[i].split("=")[0], parts[i].split("=")[1]);
        }
        boolean split = parts[0].startsWith("twoGb");
        long size = split ? VmdkCreator.SPLIT_BYTES + WINDOW : WINDOW;
        long windowStart = split ? VmdkCreator.SPLIT_BYTES - WINDOW / 2 : 0;
        Path img = dir.resolve("w.vmdk");
        Images.create("vmdk", img, size, o);
        byte[] model = new byte[WINDOW];
        try (BlockNode node = Images.open(img, "vmdk")) {
            ModelWorkload.randomOps(node, windowStart, model, new Random(options.hashCode()), 250, 150_000, 2 * MiB);
            ByteBuffer all = ByteBuffer.allocate(WINDOW);
            node.read(windowStart, all);
            assertArrayEquals(model, all.array());
        }
        Path raw = dir.resolve("model.raw");
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(model), windowStart);
            if (ch.size() < size) {
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        }
        Images.assertQemuAgrees(img, "vmdk", raw);
    }

    @Test
    void concurrentWritersOfOneSparseImageAllLand() throws Exception {
        Path img = dir.resolve("c.vmdk");
        byte[] model = new byte[32 * MiB];
        Images.create("vmdk", img, model.length, Map.of());
        try (BlockNode node = Images.open(img, "vmdk")) {
            ModelWorkload.disjointWriters(node, model, 8, 60, 100_000, 0, 0);
            assertArrayEquals(model, Images.readAll(node));
        }
        Images.assertQemuAgrees(img, "vmdk", model, dir);
    }
}
