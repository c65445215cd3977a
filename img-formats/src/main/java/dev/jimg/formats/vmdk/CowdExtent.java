package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.util.FieldReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The ESX sparse extent ({@code VMFSSPARSE}, vmfsSparse disks: ESX 3 and earlier snapshot
 * deltas), recognised by the magic {@code COWD}. Its map is the hosted sparse one with other
 * header fields, little-endian:
 * <pre>
 *   0  u32 magic 'COWD'   4  u32 version   8  u32 flags
 *  12  u32 numSectors    16  u32 grainSize (sectors)
 *  20  u32 gdOffset      24  u32 numGDEntries   28 u32 freeSector
 * </pre>
 * with 4096 entries per grain table. jimg reads these extents; it does not write them.
 */
final class CowdExtent {
    static final int MAGIC = 0x44574f43;
    static final int GTES_PER_GT = 4096;

    private CowdExtent() {
    }

    static boolean hasMagic(byte[] head) {
        return head.length >= 4 && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == MAGIC;
    }

    /**
     * The COWD header translated into the hosted sparse terms the rest of the driver uses, so the
     * same {@link GrainDirectory} and {@link SparseExtent} read it.
     */
    static SparseHeader header(byte[] bytes) {
        FieldReader r = new FieldReader("VMDK COWD header", bytes, ByteOrder.LITTLE_ENDIAN);
        long capacity = r.u32("numSectors", 12);
        long grain = r.u32("grainSize", 16);
        if (grain < 1 || grain > SparseHeader.MAX_GRAIN_SECTORS || Long.bitCount(grain) != 1) {
            throw r.corrupt("grainSize", 16, "expected a power of two from 1 to " + SparseHeader.MAX_GRAIN_SECTORS
                    + " sectors, got " + grain);
        }
        long gdOffset = r.u32("gdOffset", 20);
        long gdEntries = r.u32("numGDEntries", 24);
        long needed = (capacity + grain * GTES_PER_GT - 1) / (grain * GTES_PER_GT);
        if (gdEntries < needed) {
            throw new CorruptImageException("VMDK COWD header: " + gdEntries + " grain directory entries cannot map "
                    + capacity + " sectors");
        }
        return new SparseHeader(1, 0, capacity, grain, 0, 0, GTES_PER_GT, 0, gdOffset, 0, 0);
    }

    static SparseExtent open(BlockNode file, byte[] head, long sectors, String format) throws java.io.IOException {
        SparseHeader h = header(head);
        GrainDirectory gd = GrainDirectory.load(file, file.filename(), h, h.gdOffset);
        return new SparseExtent(file, h, gd, sectors, format, true);
    }
}
