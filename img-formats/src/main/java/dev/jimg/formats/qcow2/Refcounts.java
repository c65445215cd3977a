package dev.jimg.formats.qcow2;

import dev.jimg.block.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Host cluster reference counts: the refcount table (in memory, written through) and the refcount
 * blocks (through a {@link MetadataCache}), cluster allocation and freeing — QEMU's
 * {@code qcow2-refcount.c}. Called under the metadata lock only.
 *
 * <p>New refcount blocks are placed inside the range they describe, so each describes itself and
 * allocation never recurses. A full refcount table is replaced by a bigger one written next to
 * the refcount blocks that cover it, and only then published in the header: a crash at any point
 * leaves the old, consistent structure (plus leaked clusters).
 */
final class Refcounts {
    /** Reserved low bits of a refcount table entry. */
    private static final long REFTABLE_OFFSET_MASK = ~0x1ffL;

    private final Qcow2State s;
    private final MetadataCache cache;
    private RefcountField field;
    private int blockBits;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    /** No cluster below this index is free (QEMU's free_cluster_index). */
    private long freeClusterHint;
    /** Where the next compressed cluster may start, inside a partly used host cluster; 0 for none. */
    private long freeByteOffset;

    Refcounts(Qcow2State s, MetadataCache cache) {
        this.s = s;
        this.cache = cache;
    }

    /** Loads the refcount table named by the header. */
    void load(Qcow2Header h) throws IOException {
        field = new RefcountField(h.refcountOrder());
        blockBits = s.geometry().clusterBits() + 3 - h.refcountOrder();
        tableOffset = h.refcountTableOffset();
        tableClusters = h.refcountTableClusters();
        int entries = (int) ((long) tableClusters * s.geometry().clusterSize() / 8);
        table = readTable(tableOffset, entries);
        tablesHighWater = -1;
        freeClusterHint = 0;
        freeByteOffset = 0;
    }

    private long[] readTable(long offset, int entries) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(entries * 8).order(ByteOrder.BIG_ENDIAN);
        s.file().read(offset, buf);
        buf.flip();
        long[] t = new long[entries];
        buf.asLongBuffer().get(t);
        return t;
    }

    RefcountField field() {
        return field;
    }

    long tableOffset() {
        return tableOffset;
    }

    int tableClusters() {
        return tableClusters;
    }

    int tableEntries() {
        return table.length;
    }

    /** The refcount block offset at table index {@code i} (0 when absent), reserved bits masked. */
    long blockOffset(int i) {
        return table[i] & REFTABLE_OFFSET_MASK;
    }

    // ---------------------------------------------------------------- lookups

    long get(long cluster) throws IOException {
        byte[] block = block(cluster);
        return block == null ? 0 : field.get(block, indexInBlock(cluster));
    }

    /**
     * The refcounts of the clusters from {@code first} on, into {@code out}: as many as fit and
     * the refcount block covering {@code first} holds. Returns how many. {@code check} compares
     * the refcount of every cluster of the image; one block lookup per run rather than one per
     * cluster is most of what that costs.
     */
    int getRun(long first, long[] out) throws IOException {
        byte[] block = block(first);
        int idx = indexInBlock(first);
        int n = (int) Math.min(out.length, (1L << blockBits) - idx);
        if (block == null) {
            java.util.Arrays.fill(out, 0, n, 0);
        } else {
            for (int k = 0; k < n; k++) {
                out[k] = field.get(block, idx + k);
            }
        }
        return n;
    }

    /**
     * Refcount lookups for a pass that changes no refcount (check's OFLAG_COPIED pass): the last
     * block looked up is kept, so that clusters in the same block cost no cache lookup.
     */
    final class Reader {
        private long blockIndex = -1;
        private byte[] block;

        long get(long cluster) throws IOException {
            long index = cluster >>> blockBits;
            if (index != blockIndex) {
                block = block(cluster);
                blockIndex = index;
            }
            return block == null ? 0 : field.get(block, indexInBlock(cluster));
        }
    }

    /** Where {@code cluster}'s refcount sits in its refcount block. */
    private int indexInBlock(long cluster) {
        return (int) (cluster & ((1L << blockBits) - 1));
    }

    /** The refcount block covering {@code cluster}, or null if none exists. */
    private byte[] block(long cluster) throws IOException {
        long index = cluster >>> blockBits;
        if (index >= table.length) {
            return null;
        }
        long off = blockOffset((int) index);
        if (off == 0) {
            return null;
        }
        if ((off & s.geometry().clusterMask()) != 0) {
            throw s.corruption("Refblock offset 0x" + Long.toHexString(off) + " unaligned (reftable index: 0x"
                    + Long.toHexString(index) + ")");
        }
        if (off >>> s.geometry().clusterBits() == 0) {
            throw s.corruption("Refblock at offset 0x" + Long.toHexString(off) + " overlaps the header (reftable index: 0x"
                    + Long.toHexString(index) + ")");
        }
        if (!cache.contains(off) && Long.compareUnsigned(off, s.file().size()) >= 0) {
            // Read as zeroes it would call every cluster it covers free, and the next allocation
            // would hand out clusters in use; updating it would grow the file to that offset.
            throw s.corruption("Refblock offset 0x" + Long.toHexString(off) + " lies beyond the end of the file"
                    + " (reftable index: 0x" + Long.toHexString(index) + ")");
        }
        return cache.get(off);
    }

    // ---------------------------------------------------------------- updates

    /**
     * Adds {@code delta} to the refcounts of {@code count} clusters from {@code first}.
     * {@code punchFreed} punches holes into clusters whose refcount drops to zero, for frees the
     * guest asked for (a discard), as QEMU's pass-discard-request does.
     */
    void update(long first, long count, long delta, boolean punchFreed) throws IOException {
        if (delta < 0) {
            // A decrease must not reach the disk before the L2/L1 change that dropped the reference.
            cache.dependOn(s.l2Cache());
        }
        long freedStart = -1;
        for (long c = first; c < first + count; c++) {
            byte[] block = block(c);
            if (block == null) {
                if (delta < 0) {
                    throw s.corruption("Refcount of cluster " + c + " would drop below zero (no refcount block)");
                }
                throw new IllegalStateException("cluster " + c + " has no refcount block; allocate() creates it");
            }
            int idx = indexInBlock(c);
            long old = field.get(block, idx);
            long now = old + delta;
            if (now < 0) {
                throw s.corruption("Refcount of cluster " + c + " would drop below zero (refcount " + old
                        + ", change " + delta + ")");
            }
            if (now > field.max() || (delta > 0 && now < old)) {
                throw new ImageException(s.filename(), "Refcount of cluster " + c + " would exceed the maximum of "
                        + field.max() + " (refcount_bits=" + field.bits() + ")");
            }
            field.set(block, idx, now);
            cache.markDirty(blockOffset((int) (c >>> blockBits)));
            if (now == 0) {
                freeClusterHint = Math.min(freeClusterHint, c);
                if (freeByteOffset != 0 && freeByteOffset >>> s.geometry().clusterBits() == c) {
                    freeByteOffset = 0;
                }
                if (punchFreed && freedStart < 0) {
                    freedStart = c;
                }
            } else if (freedStart >= 0) {
                punch(freedStart, c - freedStart);
                freedStart = -1;
            }
        }
        if (freedStart >= 0) {
            punch(freedStart, first + count - freedStart);
        }
    }

    private void punch(long cluster, long n) throws IOException {
        int bits = s.geometry().clusterBits();
        s.file().discard(cluster << bits, n << bits);
    }

    /** Sets a refcount outright (repair). The block must exist. */
    void set(long cluster, long value) throws IOException {
        byte[] block = block(cluster);
        if (block == null) {
            throw new IllegalStateException("cluster " + cluster + " has no refcount block");
        }
        field.set(block, indexInBlock(cluster), value);
        cache.markDirty(blockOffset((int) (cluster >>> blockBits)));
        if (value == 0) {
            freeClusterHint = Math.min(freeClusterHint, cluster);
        }
    }

    /** Frees the clusters holding {@code bytes} bytes from host offset {@code offset}. */
    void free(long offset, long bytes, boolean punch) throws IOException {
        if (bytes <= 0) {
            return;
        }
        int bits = s.geometry().clusterBits();
        long first = offset >>> bits;
        long last = (offset + bytes - 1) >>> bits;
        update(first, last - first + 1, -1, punch);
    }

    // ---------------------------------------------------------------- allocation

    /**
     * Allocates {@code n} contiguous clusters with refcount 1 and returns the host offset of the
     * first. Creates the refcount blocks (and grows the table) the new clusters need.
     */
    long allocate(long n) throws IOException {
        if (n <= 0) {
            throw new IllegalArgumentException("allocate " + n + " clusters");
        }
        while (true) {
            long start = findFreeRun(freeClusterHint, n);
            long missing = firstMissingBlock(start, n);
            if (missing >= 0) {
                createBlock(missing);
                continue; // the new block took a cluster; search again
            }
            requireNoMetadataAt(start, n);
            update(start, n, 1, false);
            // Everything the search passed is in use or in a run too short, as QEMU's
            // free_cluster_index assumes; only a free moves the hint back. Leaving it where it was
            // made every allocation scan all clusters allocated since (quadratic in convert -c).
            freeClusterHint = start + n;
            return start << s.geometry().clusterBits();
        }
    }

    /**
     * QEMU's overlap check ("cached" level) at allocation: a cluster whose refcount says free but
     * that holds the header, the active L1 table, the refcount table, a refcount block or an
     * active L2 table means damaged refcounts, and handing it out would write data over the
     * image's own metadata.
     */
    /** See {@link #tablesHighWater()}; -1 until first computed. */
    private long tablesHighWater = -1;

    private void requireNoMetadataAt(long start, long n) {
        int bits = s.geometry().clusterBits();
        long end = start + n;
        Qcow2Header h = s.header();
        String what = null;
        if (start == 0) {
            what = "the header";
        } else if (overlaps(start, end, h.l1TableOffset() >>> bits, bytesToClusters(h.l1Size() * 8L))) {
            what = "the active L1 table";
        } else if (overlaps(start, end, h.refcountTableOffset() >>> bits, h.refcountTableClusters())) {
            what = "the refcount table";
        } else if (start <= tablesHighWater()) {
            for (int i = 0; i < table.length && what == null; i++) {
                long b = blockOffset(i) >>> bits;
                if (b != 0 && b >= start && b < end) {
                    what = "refcount block " + i;
                }
            }
            long[] l1 = s.map().l1();
            for (int i = 0; i < l1.length && what == null; i++) {
                long l2 = s.map().l2TableOffset(i) >>> bits;
                if (l2 != 0 && l2 >= start && l2 < end) {
                    what = "the L2 table of L1 entry " + i;
                }
            }
        }
        if (what != null) {
            throw s.corruption("Preventing invalid allocation of clusters " + start + "+" + n
                    + ": they hold " + what + " but their refcount is 0");
        }
        tablesHighWater = Math.max(tablesHighWater, end - 1);
    }

    /**
     * No refcount block or L2 table lies beyond this cluster: those found when first asked, and
     * every cluster allocated since (any may have become one). Appending past it, what nearly every
     * allocation does, needs no scan of the tables.
     */
    /** After the L1 table was replaced (snapshot revert, repair): its L2 tables are found afresh. */
    void forgetTablesHighWater() {
        tablesHighWater = -1;
    }

    private long tablesHighWater() {
        if (tablesHighWater < 0) {
            int bits = s.geometry().clusterBits();
            long high = 0;
            for (int i = 0; i < table.length; i++) {
                high = Math.max(high, blockOffset(i) >>> bits);
            }
            long[] l1 = s.map().l1();
            for (int i = 0; i < l1.length; i++) {
                high = Math.max(high, s.map().l2TableOffset(i) >>> bits);
            }
            tablesHighWater = high;
        }
        return tablesHighWater;
    }

    private long bytesToClusters(long bytes) {
        return (bytes + s.geometry().clusterSize() - 1) >>> s.geometry().clusterBits();
    }

    private static boolean overlaps(long start, long end, long first, long count) {
        return count > 0 && first < end && start < first + count;
    }

    /**
     * Reserves {@code size} bytes for a compressed cluster (QEMU's {@code qcow2_alloc_bytes}):
     * compressed clusters are packed back to back, and every host cluster a compressed cluster
     * touches gets one reference for it — the accounting {@code check} expects.
     */
    long allocateBytes(int size) throws IOException {
        int bits = s.geometry().clusterBits();
        int clusterSize = s.geometry().clusterSize();
        if (size <= 0 || size > clusterSize) {
            throw new IllegalArgumentException("compressed cluster of " + size + " bytes");
        }
        long off = freeByteOffset;
        if (off != 0 && get(off >>> bits) >= field.max()) {
            off = 0;
        }
        long result;
        if (off != 0 && size <= clusterSize - (off & (clusterSize - 1))) {
            update(off >>> bits, 1, 1, false);
            result = off;
        } else if (off != 0 && tryAllocateAt((off >>> bits) + 1)) {
            update(off >>> bits, 1, 1, false);
            result = off;
        } else {
            result = allocate(1);
        }
        long next = result + size;
        freeByteOffset = (next & (clusterSize - 1)) == 0 ? 0 : next;
        return result;
    }

    /** Allocates exactly cluster {@code cluster} if it is free; false if it is not. */
    private boolean tryAllocateAt(long cluster) throws IOException {
        while (true) {
            if (findFreeRun(cluster, 1) != cluster) {
                return false;
            }
            long missing = firstMissingBlock(cluster, 1);
            if (missing < 0) {
                update(cluster, 1, 1, false);
                if (cluster == freeClusterHint) {
                    freeClusterHint = cluster + 1;
                }
                return true;
            }
            createBlock(missing);
        }
    }

    /** The first cluster index from {@code from} that starts a run of {@code n} free clusters. */
    long findFreeRun(long from, long n) throws IOException {
        long start = Math.max(from, 1);
        long c = start;
        while (c - start < n) {
            long blockIndex = c >>> blockBits;
            if (blockIndex >= table.length || blockOffset((int) blockIndex) == 0) {
                // Absent block: everything it would describe is free.
                c = (blockIndex + 1) << blockBits;
                continue;
            }
            if (get(c) != 0) {
                start = c + 1;
            }
            c++;
        }
        return start;
    }

    /** The index of the first refcount block missing for clusters {@code [start, start+n)}, or -1. */
    private long firstMissingBlock(long start, long n) {
        long first = start >>> blockBits;
        long last = (start + n - 1) >>> blockBits;
        for (long b = first; b <= last; b++) {
            if (b >= table.length || blockOffset((int) b) == 0) {
                return b;
            }
        }
        return -1;
    }

    /**
     * Creates refcount block {@code index} in the first cluster it describes, describing itself;
     * written and flushed before the table entry that publishes it.
     */
    private void createBlock(long index) throws IOException {
        if (index >= table.length) {
            growTable(index);
            if (blockOffset((int) index) != 0) {
                return; // the grown table placed this block already
            }
        }
        long cluster = index << blockBits;
        if (cluster == 0) {
            throw s.corruption("Refcount block 0 is missing: cluster 0 (the header) has no refcount");
        }
        long offset = cluster << s.geometry().clusterBits();
        if (tablesHighWater >= 0) {
            tablesHighWater = Math.max(tablesHighWater, cluster);
        }
        byte[] block = cache.create(offset);
        field.set(block, 0, 1);
        cache.writeBack();
        s.file().flush();
        table[(int) index] = offset;
        writeTableEntry((int) index);
    }

    private void writeTableEntry(int index) throws IOException {
        // Rewrite the aligned 512-byte sector holding the entry, as QEMU does, so it is atomic on disk.
        int first = index & ~63;
        int count = Math.min(64, table.length - first);
        ByteBuffer buf = ByteBuffer.allocate(count * 8).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < count; i++) {
            buf.putLong(table[first + i]);
        }
        buf.flip();
        s.file().write(tableOffset + first * 8L, buf);
    }

    /**
     * Replaces the refcount table by one that can hold index {@code needed}. The new table and the
     * refcount blocks describing it go into one fresh area; the header switches to it only after
     * both are on disk.
     */
    private void growTable(long needed) throws IOException {
        int clusterSize = s.geometry().clusterSize();
        long entriesPerCluster = clusterSize / 8;
        long wanted = Math.max(needed + 1, table.length + (table.length >> 1));
        long newClusters = Limits.divCeil(wanted, entriesPerCluster);
        // The new table and its own refcount blocks: iterate until the area covers itself.
        long areaStart = findFreeRun(freeClusterHint, newClusters);
        long blocks = 0;
        while (true) {
            long areaEnd = areaStart + newClusters + blocks;
            long neededEntries = Math.max(needed + 1, Limits.divCeil(areaEnd, 1L << blockBits));
            long clustersForEntries = Limits.divCeil(neededEntries, entriesPerCluster);
            long missing = 0;
            for (long b = areaStart >>> blockBits; b <= (areaEnd - 1) >>> blockBits; b++) {
                if (b >= table.length || blockOffset((int) b) == 0) {
                    missing++;
                }
            }
            if (clustersForEntries <= newClusters && missing == blocks) {
                break;
            }
            newClusters = Math.max(newClusters, clustersForEntries);
            blocks = missing;
            areaStart = findFreeRun(freeClusterHint, newClusters + blocks);
        }
        if (newClusters * clusterSize > Limits.MAX_REFTABLE_BYTES) {
            throw new ImageException(s.filename(), "Refcount table would exceed " + Limits.MAX_REFTABLE_BYTES
                    + " bytes; the image is too large for its cluster size");
        }
        long areaEnd = areaStart + newClusters + blocks;
        long[] newTable = java.util.Arrays.copyOf(table, (int) (newClusters * entriesPerCluster));
        // Place the missing blocks after the table clusters and describe the whole area.
        long next = areaStart + newClusters;
        for (long b = areaStart >>> blockBits; b <= (areaEnd - 1) >>> blockBits; b++) {
            if (b >= table.length || blockOffset((int) b) == 0) {
                newTable[(int) b] = next << s.geometry().clusterBits();
                cache.create(newTable[(int) b]);
                next++;
            }
        }
        long[] oldTable = table;
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        table = newTable; // blocks are looked up through the new table from here on
        tablesHighWater = -1;
        for (long c = areaStart; c < areaEnd; c++) {
            byte[] block = cache.get(blockOffset((int) (c >>> blockBits)));
            int idx = indexInBlock(c);
            field.set(block, idx, field.get(block, idx) + 1);
            cache.markDirty(blockOffset((int) (c >>> blockBits)));
        }
        try {
            cache.writeBack();
            s.file().flush();
            tableOffset = areaStart << s.geometry().clusterBits();
            tableClusters = (int) newClusters;
            ByteBuffer buf = ByteBuffer.allocate((int) (newClusters * clusterSize)).order(ByteOrder.BIG_ENDIAN);
            buf.asLongBuffer().put(newTable);
            s.file().write(tableOffset, buf);
            s.file().flush();
            s.writeHeader(s.header().withRefcountTable(tableOffset, tableClusters, s.header().refcountOrder()));
            s.file().flush();
        } catch (IOException | RuntimeException e) {
            table = oldTable;
            tableOffset = oldOffset;
            tableClusters = oldClusters;
            throw e;
        }
        freeClusterHint = Math.min(freeClusterHint, areaStart);
        free(oldOffset, (long) oldClusters * clusterSize, false);
    }

    /**
     * Installs a completely new refcount structure built elsewhere (repair, refcount_bits change):
     * the caller has written it and the header already points to it.
     */
    void reload(Qcow2Header h) throws IOException {
        cache.dropAll();
        load(h);
    }
}
