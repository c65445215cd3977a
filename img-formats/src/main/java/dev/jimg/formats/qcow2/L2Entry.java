package dev.jimg.formats.qcow2;

/**
 * Decoding of L1 and L2 table entries
 * (<a href="https://gitlab.com/qemu-project/qemu/-/blob/v7.2.0/docs/interop/qcow2.txt">qcow2.txt,
 * "Cluster mapping"</a>):
 * <pre>
 * L1 entry:  bit 63 COPIED (refcount is exactly 1) | bits 9-55 offset of the L2 table
 * L2 entry:  bit 63 COPIED | bit 62 compressed | descriptor (bits 0-61)
 *   standard descriptor:   bits 9-55 host cluster offset | bit 0 reads as zeroes (v3)
 *   compressed descriptor: bits 0..x-1 host byte offset, bits x..61 additional 512-byte sectors,
 *                          x = 62 - (cluster_bits - 8)
 * extended L2: a second 64-bit word; bit n (0-31) subcluster n allocated, bit 32+n reads as zeroes
 * </pre>
 */
final class L2Entry {
    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final long ZERO = 1L;
    static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    /** Bits of a standard L2 entry the spec reserves (must be zero). */
    static final long RESERVED_MASK = 0x3f00_0000_0000_01feL;
    static final long L1_RESERVED_MASK = 0x7f00_0000_0000_01ffL;
    static final long ALL_ALLOCATED = 0xffff_ffffL;
    static final long ALL_ZEROES = 0xffff_ffffL << 32;

    /** QEMU's QCow2ClusterType, by what a read of the cluster does. */
    enum Type {
        /** Reads from the backing file, or zeroes without one. */
        UNALLOCATED,
        /** Reads as zeroes, no host cluster. */
        ZERO_PLAIN,
        /** Reads as zeroes; a host cluster stays reserved for later writes. */
        ZERO_ALLOC,
        /** Data at a host cluster. */
        NORMAL,
        COMPRESSED
    }

    private L2Entry() {
    }

    static long offset(long entry) {
        return entry & OFFSET_MASK;
    }

    static boolean copied(long entry) {
        return (entry & COPIED) != 0;
    }

    /**
     * Whether a standard entry names a host cluster. Offset 0 means "none", except in an external
     * data file, where it is a valid offset and the COPIED flag (always set there, as every data
     * cluster has refcount 1) tells the two apart — QEMU's rule.
     */
    static boolean hasHost(long entry, Geometry g) {
        return offset(entry) != 0 || (g.externalData() && copied(entry) && (entry & COMPRESSED) == 0);
    }

    /** The type of a whole cluster (without subclusters, or the base type with them). */
    static Type type(long entry, Geometry g) {
        if ((entry & COMPRESSED) != 0) {
            return Type.COMPRESSED;
        }
        if (!g.extendedL2() && (entry & ZERO) != 0) {
            return hasHost(entry, g) ? Type.ZERO_ALLOC : Type.ZERO_PLAIN;
        }
        return hasHost(entry, g) ? Type.NORMAL : Type.UNALLOCATED;
    }

    /**
     * The type of subcluster {@code sc} of an extended L2 entry, or of the whole cluster in normal
     * mode. Returns {@code null} for an invalid bitmap (both bits of a subcluster set, or a bitmap
     * on a compressed cluster), which callers treat as corruption.
     */
    static Type subclusterType(long entry, long bitmap, int sc, Geometry g) {
        Type base = type(entry, g);
        if (!g.extendedL2()) {
            return base;
        }
        if (base == Type.COMPRESSED) {
            return bitmap == 0 ? base : null;
        }
        boolean alloc = (bitmap & (1L << sc)) != 0;
        boolean zero = (bitmap & (1L << (32 + sc))) != 0;
        if (alloc && zero) {
            return null;
        }
        if (base == Type.UNALLOCATED) {
            if (alloc) {
                return null; // allocated subcluster without a host cluster
            }
            return zero ? Type.ZERO_PLAIN : Type.UNALLOCATED;
        }
        if (alloc) {
            return Type.NORMAL;
        }
        return zero ? Type.ZERO_ALLOC : Type.UNALLOCATED;
    }

    /** Host byte offset of a compressed cluster's data. */
    static long compressedOffset(long entry, Geometry g) {
        return entry & g.compressedOffsetMask();
    }

    /** Sectors (of 512 bytes) the compressed data spans, counted from its offset's sector. */
    static int compressedSectors(long entry, Geometry g) {
        return (int) (((entry >>> g.csizeShift()) & g.csizeMask()) + 1);
    }

    /** A compressed descriptor for {@code length} bytes at host byte {@code offset}. */
    static long compressed(long offset, int length, Geometry g) {
        long extraSectors = ((offset + length - 1) >> 9) - (offset >> 9);
        return COMPRESSED | (extraSectors << g.csizeShift()) | offset;
    }

    /** The host clusters a compressed descriptor touches, as refcounts count them. */
    static long compressedFirstCluster(long entry, Geometry g) {
        return (compressedOffset(entry, g) & ~511L) >>> g.clusterBits();
    }

    static long compressedLastCluster(long entry, Geometry g) {
        long start = compressedOffset(entry, g) & ~511L;
        return (start + compressedSectors(entry, g) * 512L - 1) >>> g.clusterBits();
    }
}
