package dev.jimg.formats.qcow2;

/**
 * The references {@code check} counts to each host cluster (QEMU's in-memory refcount table,
 * "IMRT"). Paged, so memory follows the clusters actually referenced, not the file size a
 * hostile header may claim.
 */
final class ReferenceTally {
    private static final int PAGE_BITS = 16;
    private static final int PAGE = 1 << PAGE_BITS;
    /** 2^40 clusters: more than any image whose file the host can hold. */
    private static final long MAX_CLUSTERS = 1L << 40;

    private long[][] pages = new long[16][];
    private long size;

    ReferenceTally(long size) {
        this.size = size;
    }

    /** Clusters tracked: the file's clusters, plus any counted just past its end. */
    long size() {
        return size;
    }

    long get(long cluster) {
        int p = (int) (cluster >>> PAGE_BITS);
        if (cluster >= size || p >= pages.length || pages[p] == null) {
            return 0;
        }
        return pages[p][(int) (cluster & (PAGE - 1))];
    }

    /** Adds one reference; returns the new count. */
    long increment(long cluster) {
        if (cluster >= MAX_CLUSTERS) {
            throw new IllegalArgumentException("cluster index " + cluster + " out of range");
        }
        if (cluster >= size) {
            size = cluster + 1;
        }
        int p = (int) (cluster >>> PAGE_BITS);
        if (p >= pages.length) {
            pages = java.util.Arrays.copyOf(pages, Math.max(p + 1, pages.length * 2));
        }
        if (pages[p] == null) {
            pages[p] = new long[PAGE];
        }
        return ++pages[p][(int) (cluster & (PAGE - 1))];
    }

    void set(long cluster, long value) {
        if (value == 0 && get(cluster) == 0) {
            return;
        }
        increment(cluster);
        pages[(int) (cluster >>> PAGE_BITS)][(int) (cluster & (PAGE - 1))] = value;
    }

    /** The highest cluster with a reference, or -1. */
    long highest() {
        for (long c = size - 1; c >= 0; c--) {
            int p = (int) (c >>> PAGE_BITS);
            if (p < pages.length && pages[p] == null) {
                c = (long) p << PAGE_BITS; // skip the empty page
                continue;
            }
            if (get(c) != 0) {
                return c;
            }
        }
        return -1;
    }
}
