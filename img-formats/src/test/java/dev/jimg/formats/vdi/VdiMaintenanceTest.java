package dev.jimg.formats.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Compactable;
import dev.jimg.block.ProgressListener;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compact and resize, which qemu-img cannot do for VDI; qemu-img must still accept the result. */
@Tag("interop")
class VdiMaintenanceTest {
    private static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void compactDropsZeroBlocksAndKeepsTheRest() throws IOException {
        Path img = dir.resolve("c.vdi");
        byte[] model = new byte[8 * MiB];
        Images.create("vdi", img, model.length, Map.of());
        try (BlockNode node = Images.open(img, "vdi")) {
            for (int b = 0; b < 8; b++) {
                Images.fill(node, model, (long) b * MiB, 4096, (byte) (b + 1));
            }
            // Blocks 1, 4 and 5 now hold only zeroes, still allocated.
            for (int b : new int[] {1, 4, 5}) {
                Images.fill(node, model, (long) b * MiB, 4096, (byte) 0);
            }
        }
        long before = Files.size(img);
        try (BlockNode node = Images.open(img, "vdi")) {
            long saved = node.capability(Compactable.class).orElseThrow().compact(ProgressListener.NONE);
            assertEquals(3L * MiB, saved);
            assertArrayEquals(model, Images.readAll(node));
        }
        assertEquals(before - 3L * MiB, Files.size(img));
        assertAcceptedByQemu(img, model);
    }

    @Test
    void discardOfAMiddleBlockMovesTheLastBlockIntoTheHole() throws IOException {
        Path img = dir.resolve("d.vdi");
        byte[] model = new byte[4 * MiB];
        Images.create("vdi", img, model.length, Map.of());
        try (BlockNode node = Images.open(img, "vdi")) {
            for (int b = 0; b < 4; b++) {
                Images.fill(node, model, (long) b * MiB, MiB, (byte) (b + 1));
            }
            node.discard(MiB, MiB);
            Arrays.fill(model, MiB, 2 * MiB, (byte) 0);
            assertArrayEquals(model, Images.readAll(node));
        }
        assertAcceptedByQemu(img, model);
    }

    @Test
    void growingPastTheMapAreaMovesTheFirstBlocksToTheEnd() throws IOException {
        Path img = dir.resolve("g.vdi");
        // 128 blocks fill the one map sector exactly: any growth needs room.
        byte[] model = new byte[128 * MiB];
        Images.create("vdi", img, model.length, Map.of());
        try (BlockNode node = Images.open(img, "vdi")) {
            for (int b = 0; b < 128; b += 9) {
                Images.fill(node, model, (long) b * MiB + 7, 1000, (byte) (b + 1));
            }
            node.resize(140L * MiB);
            byte[] grown = Arrays.copyOf(model, 140 * MiB);
            Images.fill(node, grown, 139L * MiB, 512, (byte) 0x77);
            assertArrayEquals(grown, Images.readAll(node));
            model = grown;
        }
        assertAcceptedByQemu(img, model);
    }

    @Test
    void shrinkingDropsTheBlocksPastTheNewEnd() throws IOException {
        Path img = dir.resolve("s.vdi");
        byte[] model = new byte[6 * MiB];
        Images.create("vdi", img, model.length, Map.of());
        try (BlockNode node = Images.open(img, "vdi")) {
            for (int b = 5; b >= 0; b--) {
                Images.fill(node, model, (long) b * MiB, 100, (byte) (b + 1));
            }
            node.resize(3L * MiB);
            assertEquals(3L * MiB, node.size());
        }
        byte[] shrunk = Arrays.copyOf(model, 3 * MiB);
        assertAcceptedByQemu(img, shrunk);
        assertTrue(Files.size(img) <= 512 + 512 + 3L * MiB);
    }

    @Test
    void staticImageGrowsWithPreallocatedBlocks() throws IOException {
        Path img = dir.resolve("st.vdi");
        byte[] model = new byte[2 * MiB];
        Images.create("vdi", img, model.length, Map.of("static", "on"));
        try (BlockNode node = Images.open(img, "vdi")) {
            Images.fill(node, model, 0, 10, (byte) 1);
            node.resize(5L * MiB);
        }
        assertAcceptedByQemu(img, Arrays.copyOf(model, 5 * MiB));
        String info = Images.run("qemu-img", "info", img.toString()).output();
        assertTrue(info.contains("5 MiB"), info);
    }

    private void assertAcceptedByQemu(Path img, byte[] model) throws IOException {
        Images.assertQemuAgrees(img, "vdi", model, dir);
        try (BlockNode node = Images.openReadOnly(img)) {
            ByteBuffer b = ByteBuffer.allocate(model.length);
            node.read(0, b);
            assertArrayEquals(model, b.array());
        }
    }
}
