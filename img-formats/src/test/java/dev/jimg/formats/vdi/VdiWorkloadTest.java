package dev.jimg.formats.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jimg.block.BlockNode;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.testing.ModelWorkload;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random writes, zero writes and discards against an in-memory model, then qemu-img check
 * and compare; and the same from many threads on disjoint ranges, zeroing some with unmap so that
 * blocks are freed (and the last block moved into the hole) while others are allocated.
 */
@Tag("interop")
class VdiWorkloadTest {
    private static final int MiB = 1 << 20;
    private static final int SIZE = 24 * MiB + 4096;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void randomWorkloadMatchesTheModel(String isStatic) throws Exception {
        Path img = dir.resolve("w.vdi");
        Images.create("vdi", img, SIZE, Map.of("static", isStatic));
        byte[] model = new byte[SIZE];
        try (BlockNode node = Images.open(img, "vdi")) {
            ModelWorkload.randomOps(node, 0, model, new Random(4242), 300, 200_000, 3 * MiB);
            assertArrayEquals(model, Images.readAll(node));
        }
        Images.assertQemuAgrees(img, "vdi", model, dir);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void concurrentWritersOfDisjointRangesAllLand(int seed) throws Exception {
        Path img = dir.resolve("c.vdi");
        Images.create("vdi", img, SIZE, Map.of());
        byte[] model = new byte[SIZE];
        try (BlockNode node = Images.open(img, "vdi")) {
            ModelWorkload.disjointWriters(node, model, 8, 40, 70_000, seed, 10);
            assertArrayEquals(model, Images.readAll(node));
        }
        Images.assertQemuAgrees(img, "vdi", model, dir);
    }
}
