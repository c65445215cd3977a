package dev.jimg.formats.vpc;

import dev.jimg.block.ImageException;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.util.Sizes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;

/**
 * Writes new VHDs laid out as QEMU lays them out, so that either tool opens what the other made:
 *
 * <pre>
 * dynamic:  [footer copy 512][dynamic header 1024][BAT, 0xFF, sector-padded][footer 512]
 * fixed:    [data, size bytes, sparse][footer 512]
 * </pre>
 *
 * The size is rounded up to what a CHS geometry expresses (Virtual PC sizes disks by geometry),
 * unless {@code force_size} asks for the exact size (creator "qem2"; what Azure needs for its
 * 1 MiB-aligned sizes).
 */
final class VhdCreator {
    private static final int SECTOR = 512;
    /** QEMU always creates 2 MiB blocks, as Virtual PC and Hyper-V do. */
    static final long BLOCK_SIZE = 2L << 20;
    private static final long DYNAMIC_HEADER_OFFSET = VhdFooter.SIZE;
    private static final long BAT_OFFSET = DYNAMIC_HEADER_OFFSET + DynamicDiskHeader.SIZE;

    private VhdCreator() {
    }

    /** The sizes a request turns into: the virtual size written and the geometry. */
    record Plan(long size, ChsGeometry geometry, boolean forceSize) {
    }

    static Plan plan(long requestedSize, boolean forceSize) {
        long size = Sizes.alignUp(requestedSize, SECTOR);
        ChsGeometry geometry = forceSize ? ChsGeometry.MAX
                : ChsGeometry.coveringSectors(Math.min(ChsGeometry.MAX_SECTORS, size / SECTOR));
        long sectors;
        if (geometry.totalSectors() == ChsGeometry.MAX_SECTORS) {
            sectors = size / SECTOR;
            if (sectors > VhdFooter.MAX_SECTORS) {
                throw new ImageException("The image size is too large for file format '" + VpcDriver.NAME + "'");
            }
        } else {
            sectors = geometry.totalSectors();
        }
        return new Plan(sectors * SECTOR, geometry, forceSize);
    }

    static void create(CreateRequest request) throws IOException {
        boolean fixed = request.options().string(VpcDriver.OPT_SUBFORMAT).orElse("dynamic").equals("fixed");
        Plan plan = plan(request.size(), request.options().bool(VpcDriver.OPT_FORCE_SIZE, false));
        VhdFooter footer = VhdFooter.create(plan.size(), plan.geometry(),
                fixed ? VhdFooter.TYPE_FIXED : VhdFooter.TYPE_DYNAMIC, plan.forceSize() ? "qem2" : "qemu",
                System.currentTimeMillis() / 1000, UUID.randomUUID());
        try (FileNode file = FileNode.create(request.path(), request.filename())) {
            if (fixed) {
                file.resize(plan.size());
                file.write(plan.size(), ByteBuffer.wrap(footer.bytes()));
            } else {
                writeDynamic(file, footer, plan.size());
            }
            file.flush();
        }
    }

    private static void writeDynamic(FileNode file, VhdFooter footer, long size) throws IOException {
        long entries = (size / SECTOR + BLOCK_SIZE / SECTOR - 1) / (BLOCK_SIZE / SECTOR);
        long batBytes = Sizes.alignUp(entries * 4, SECTOR);
        file.write(0, ByteBuffer.wrap(footer.bytes()));
        file.write(DYNAMIC_HEADER_OFFSET, ByteBuffer.wrap(DynamicDiskHeader.create(BAT_OFFSET, entries, BLOCK_SIZE)));
        byte[] unallocated = new byte[(int) Math.min(batBytes, 1 << 20)];
        Arrays.fill(unallocated, (byte) 0xFF);
        for (long done = 0; done < batBytes; done += unallocated.length) {
            int n = (int) Math.min(unallocated.length, batBytes - done);
            file.write(BAT_OFFSET + done, ByteBuffer.wrap(unallocated, 0, n));
        }
        file.write(BAT_OFFSET + batBytes, ByteBuffer.wrap(footer.bytes()));
    }
}
