package dev.jimg.formats.qcow2;

/**
 * The sizes that follow from the header: cluster size, entries per L2 table, subclusters, and the
 * bit fields of a compressed cluster descriptor. Computed once per open image.
 *
 * @param clusterBits log2 of the cluster size (9..21)
 * @param extendedL2  whether L2 entries carry a 64-bit subcluster bitmap (incompatible bit 4)
 * @param version     2 (compat 0.10) or 3 (compat 1.1)
 * @param externalData data clusters live in an external data file, where host offset 0 is valid
 */
record Geometry(int clusterBits, boolean extendedL2, int version, boolean externalData) {
    /** Subclusters per cluster in extended L2 mode (the spec fixes it at 32). */
    static final int SUBCLUSTERS = 32;

    int clusterSize() {
        return 1 << clusterBits;
    }

    long clusterMask() {
        return clusterSize() - 1L;
    }

    /** Bytes per L2 entry: 8, or 16 with extended L2 (entry plus subcluster bitmap). */
    int l2EntryBytes() {
        return extendedL2 ? 16 : 8;
    }

    int l2Entries() {
        return clusterSize() / l2EntryBytes();
    }

    int l2Bits() {
        return Integer.numberOfTrailingZeros(l2Entries());
    }

    int subclusterSize() {
        return extendedL2 ? clusterSize() / SUBCLUSTERS : clusterSize();
    }

    /** Guest bytes one L2 table maps. */
    long l2Coverage() {
        return (long) l2Entries() << clusterBits;
    }

    int l1Index(long guestOffset) {
        return (int) (guestOffset >>> (clusterBits + l2Bits()));
    }

    int l2Index(long guestOffset) {
        return (int) ((guestOffset >>> clusterBits) & (l2Entries() - 1));
    }

    /** L1 entries needed for {@code size} guest bytes. */
    long l1EntriesFor(long size) {
        return Limits.divCeil(Limits.divCeil(size, clusterSize()), l2Entries());
    }

    /** Bit position of the sector count in a compressed descriptor: 62 - (cluster_bits - 8). */
    int csizeShift() {
        return 62 - (clusterBits - 8);
    }

    long csizeMask() {
        return (1L << (clusterBits - 8)) - 1;
    }

    /** The host offset bits of a compressed descriptor. */
    long compressedOffsetMask() {
        return (1L << csizeShift()) - 1;
    }

    boolean supportsZeroFlag() {
        return version >= 3;
    }

    long offsetToCluster(long offset) {
        return offset >>> clusterBits;
    }

    long sizeToClusters(long bytes) {
        return Limits.divCeil(bytes, clusterSize());
    }
}
