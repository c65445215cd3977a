package dev.jimg.formats.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.MakeEmpty;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VirtualBox differencing images: a VM folder with the base disk and snapshot disks in
 * {@code Snapshots/}, opened as a chain by UUID.
 */
class VdiChainTest {
    private static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    /** Base in the VM folder, one snapshot disk in Snapshots/, a second snapshot of the first beside it. */
    private Path[] buildVm(byte[] model) throws IOException {
        Path vm = Files.createDirectories(dir.resolve("MyVM"));
        Path snapshots = Files.createDirectories(vm.resolve("Snapshots"));
        Path base = vm.resolve("MyVM.vdi");
        Images.create("vdi", base, 4 * MiB, Map.of());
        try (BlockNode node = Images.open(base, "vdi")) {
            Images.fill(node, model, 0, 3 * MiB, (byte) 0x11);
        }
        Path snap1 = snapshots.resolve("{0a1b2c3d-0000-4000-8000-000000000001}.vdi");
        Images.create("vdi", snap1, 4 * MiB, Map.of("backing_file", "../MyVM.vdi"));
        try (BlockNode node = Images.open(snap1, "vdi")) {
            Images.fill(node, model, MiB + 100, 1000, (byte) 0x22);
            node.writeZeroes(2 * MiB, MiB, false);
            java.util.Arrays.fill(model, 2 * MiB, 3 * MiB, (byte) 0);
        }
        Path snap2 = snapshots.resolve("{0a1b2c3d-0000-4000-8000-000000000002}.vdi");
        Images.create("vdi", snap2, 4 * MiB, Map.of("backing_file", snap1.getFileName().toString()));
        try (BlockNode node = Images.open(snap2, "vdi")) {
            Images.fill(node, model, 3 * MiB + 5, 10, (byte) 0x33);
        }
        return new Path[] {base, snap1, snap2};
    }

    @Test
    void snapshotDiskReadsAsTheVmsCurrentState() throws IOException {
        byte[] model = new byte[4 * MiB];
        Path[] vm = buildVm(model);
        try (BlockNode top = Images.openReadOnly(vm[2])) {
            assertArrayEquals(model, Images.readAll(top));
            assertEquals("{0a1b2c3d-0000-4000-8000-000000000001}.vdi", top.backingReference().orElseThrow().name());
            BlockNode mid = top.backing().orElseThrow();
            assertEquals("../MyVM.vdi", mid.backingReference().orElseThrow().name());
            Extent first = ChainStatus.of(top, 0, 4 * MiB);
            assertEquals(2, first.depth(), "block 0 comes from the base");
            assertTrue(ChainStatus.of(top, 2 * MiB, MiB).isZero(), "zeroed in the first snapshot");
            assertEquals(1, ChainStatus.of(top, 2 * MiB, MiB).depth());
        }
    }

    @Test
    void qemuImgRefusesDifferencingImagesThatJimgOpens() throws IOException {
        Path[] vm = buildVm(new byte[4 * MiB]);
        Images.Result r = Images.run(java.util.List.of("qemu-img", "info", vm[1].toString()), 1);
        assertTrue(r.output().contains("non-NULL"), r.output());
        Images.run("qemu-img", "check", vm[0].toString());
    }

    @Test
    void parentOutsideTheVmFolderIsNotSearched() throws IOException {
        Path base = dir.resolve("Base.vdi");
        Images.create("vdi", base, MiB, Map.of());
        Path elsewhere = Files.createDirectories(dir.resolve("other/Snapshots"));
        Path child = elsewhere.resolve("child.vdi");
        Images.create("vdi", child, MiB, Map.of("backing_file", "../../Base.vdi"));
        ImageException e = assertThrows(ImageException.class, () -> Images.openReadOnly(child).close());
        assertTrue(e.getMessage().contains("Could not find the parent"), e.getMessage());
    }

    @Test
    void symlinkLeadingOutOfTheVmFolderIsOnlyFollowedWhenAllowed() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path base = outside.resolve("Base.vdi");
        Images.create("vdi", base, MiB, Map.of());
        Path vm = Files.createDirectories(dir.resolve("VM"));
        Files.createSymbolicLink(vm.resolve("Base.vdi"), base);
        Path child = vm.resolve("child.vdi");
        Images.create("vdi", child, MiB, Map.of("backing_file", "Base.vdi"));
        assertThrows(ImageException.class, () -> Images.openReadOnly(child).close());
        OpenOptions allow = OpenOptions.builder().readOnly(true).allowExternalPaths(true).build();
        try (BlockNode node = Images.open(child, "vdi", allow)) {
            assertTrue(node.backing().isPresent());
        }
    }

    @Test
    void makeEmptyDropsTheSnapshotsOwnData() throws IOException {
        byte[] model = new byte[4 * MiB];
        Path[] vm = buildVm(model);
        try (BlockNode snap = Images.open(vm[2], "vdi")) {
            snap.capability(MakeEmpty.class).orElseThrow().makeEmpty();
        }
        try (BlockNode snap = Images.openReadOnly(vm[2]); BlockNode mid = Images.openReadOnly(vm[1])) {
            assertArrayEquals(Images.readAll(mid), Images.readAll(snap));
        }
    }

    @Test
    void partialWriteToAFreeBlockCopiesTheParentsData() throws IOException {
        byte[] model = new byte[4 * MiB];
        Path[] vm = buildVm(model);
        try (BlockNode snap = Images.open(vm[2], "vdi")) {
            Images.fill(snap, model, 10, 1, (byte) 0x44);
        }
        try (BlockNode snap = Images.open(vm[2], "vdi", OpenOptions.builder().readOnly(true).noBacking(true).build())) {
            ByteBuffer b = ByteBuffer.allocate(MiB);
            snap.read(0, b);
            assertArrayEquals(java.util.Arrays.copyOf(model, MiB), b.array(), "the block holds the parent's data");
        }
    }
}
