package dev.jimg.formats.qcow2;

import dev.jimg.block.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Guest to host mapping through the L1 table and L2 tables — QEMU's {@code qcow2-cluster.c}.
 * The L1 table is held in memory and written through entry by entry; L2 tables go through the
 * L2 {@link MetadataCache}. All methods run under the metadata lock.
 */
final class ClusterMap {
    private final Qcow2State s;
    private final Geometry g;
    private long[] l1 = new long[0];
    private long l1Offset;

    /**
     * A run of guest bytes that read the same way.
     *
     * @param type       how the bytes read
     * @param offset     guest offset of the first byte
     * @param length     bytes in the run
     * @param hostOffset host offset of the first byte for NORMAL and ZERO_ALLOC runs, else -1
     * @param entry      the L2 entry of the (single) cluster for a COMPRESSED run, else 0
     */
    record Run(L2Entry.Type type, long offset, long length, long hostOffset, long entry) {
    }

    ClusterMap(Qcow2State s) {
        this.s = s;
        this.g = s.geometry();
    }

    void load(Qcow2Header h) throws IOException {
        l1 = readL1(h.l1TableOffset(), h.l1Size());
        l1Offset = h.l1TableOffset();
        if (s.refcounts() != null) {
            s.refcounts().forgetTablesHighWater();
        }
    }

    long[] readL1(long offset, int entries) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(entries * 8).order(ByteOrder.BIG_ENDIAN);
        s.file().read(offset, buf);
        buf.flip();
        long[] t = new long[entries];
        buf.asLongBuffer().get(t);
        return t;
    }

    long[] l1() {
        return l1;
    }

    long l1Offset() {
        return l1Offset;
    }

    /** Installs a new active L1 table (snapshot revert, L1 growth); the header already points to it. */
    void setL1(long[] table, long offset) {
        this.l1 = table;
        this.l1Offset = offset;
        s.refcounts().forgetTablesHighWater();
    }

    // ---------------------------------------------------------------- lookups

    /** The run starting at guest {@code offset}, at most {@code max} bytes, within one L2 table. */
    Run lookup(long offset, long max) throws IOException {
        long coverageEnd = (offset | (g.l2Coverage() - 1)) + 1;
        long end = Math.min(offset + max, coverageEnd);
        int l1Index = g.l1Index(offset);
        long l2Offset = l1Index < l1.length ? l2TableOffset(l1Index) : 0;
        if (l2Offset == 0) {
            return new Run(L2Entry.Type.UNALLOCATED, offset, end - offset, -1, 0);
        }
        byte[] table = s.l2Cache().get(l2Offset);
        int unit = g.subclusterSize();
        long pos = offset;
        L2Entry.Type type = null;
        long host = -1;
        long firstEntry = 0;
        while (pos < end) {
            int idx = g.l2Index(pos);
            long entry = entry(table, idx);
            long bitmap = bitmap(table, idx);
            int sc = g.extendedL2() ? (int) ((pos & g.clusterMask()) / unit) : 0;
            L2Entry.Type t = classify(entry, bitmap, sc, l2Offset, idx);
            long unitHost = -1;
            if (t == L2Entry.Type.NORMAL || t == L2Entry.Type.ZERO_ALLOC) {
                unitHost = L2Entry.offset(entry) + (pos & g.clusterMask());
            }
            if (type == null) {
                type = t;
                host = unitHost;
                firstEntry = entry;
            } else if (t != type || t == L2Entry.Type.COMPRESSED
                    || (host >= 0 && unitHost != host + (pos - offset))) {
                break;
            }
            long unitEnd = (pos | (unit - 1)) + 1;
            pos = Math.min(unitEnd, end);
            if (type == L2Entry.Type.COMPRESSED) {
                pos = Math.min((offset | g.clusterMask()) + 1, end);
                break;
            }
        }
        return new Run(type, offset, pos - offset, host, type == L2Entry.Type.COMPRESSED ? firstEntry : 0);
    }

    /** The type of a (sub)cluster, signalling corruption for entries that cannot be valid. */
    private L2Entry.Type classify(long entry, long bitmap, int sc, long l2Offset, int idx) {
        L2Entry.Type t = L2Entry.subclusterType(entry, bitmap, sc, g);
        if (t == null) {
            throw s.corruption("Invalid cluster entry found (L2 offset: 0x" + Long.toHexString(l2Offset)
                    + ", L2 index: 0x" + Integer.toHexString(idx) + ")");
        }
        switch (t) {
            case NORMAL, ZERO_ALLOC -> {
                if ((L2Entry.offset(entry) & g.clusterMask()) != 0) {
                    throw s.corruption("Cluster allocation offset 0x" + Long.toHexString(L2Entry.offset(entry))
                            + " unaligned (L2 offset: 0x" + Long.toHexString(l2Offset) + ", L2 index: 0x"
                            + Integer.toHexString(idx) + ")");
                }
            }
            default -> {
            }
        }
        if ((t == L2Entry.Type.ZERO_PLAIN || t == L2Entry.Type.ZERO_ALLOC) && !g.supportsZeroFlag()) {
            throw s.corruption("Zero cluster entry found in pre-v3 image (L2 offset: 0x"
                    + Long.toHexString(l2Offset) + ", L2 index: 0x" + Integer.toHexString(idx) + ")");
        }
        if (t == L2Entry.Type.COMPRESSED && s.hasExternalData()) {
            throw s.corruption("Compressed cluster in an image with an external data file (L2 offset: 0x"
                    + Long.toHexString(l2Offset) + ", L2 index: 0x" + Integer.toHexString(idx) + ")");
        }
        return t;
    }

    /** The L2 table offset of L1 entry {@code l1Index}, validated; 0 when there is none. */
    long l2TableOffset(int l1Index) {
        long off = L2Entry.offset(l1[l1Index]);
        if ((off & g.clusterMask()) != 0) {
            throw s.corruption("L2 table offset 0x" + Long.toHexString(off) + " unaligned (L1 index: 0x"
                    + Integer.toHexString(l1Index) + ")");
        }
        if (off != 0 && off >>> g.clusterBits() == 0) {
            throw s.corruption("L2 table at offset 0 overlaps the header (L1 index: 0x"
                    + Integer.toHexString(l1Index) + ")");
        }
        return off;
    }

    long entry(byte[] table, int idx) {
        return ByteBuffer.wrap(table).getLong(idx * g.l2EntryBytes());
    }

    long bitmap(byte[] table, int idx) {
        return g.extendedL2() ? ByteBuffer.wrap(table).getLong(idx * 16 + 8) : 0;
    }

    // ---------------------------------------------------------------- updates

    /**
     * Sets an L2 slot. {@code linksNewCluster} says the entry points to a freshly allocated host
     * cluster, whose refcount must reach the disk first.
     */
    void setSlot(long l2Offset, int idx, long entry, long bitmap, boolean linksNewCluster) throws IOException {
        if (linksNewCluster && !s.refcountsMayLag() && !s.hasExternalData()) {
            s.l2Cache().dependOn(s.refcountCache());
        }
        byte[] table = s.l2Cache().get(l2Offset);
        ByteBuffer b = ByteBuffer.wrap(table);
        b.putLong(idx * g.l2EntryBytes(), entry);
        if (g.extendedL2()) {
            b.putLong(idx * 16 + 8, bitmap);
        }
        s.l2Cache().markDirty(l2Offset);
    }

    /**
     * The L2 table for {@code l1Index}, ready to be modified: allocated if missing, copied if
     * shared with a snapshot (QEMU's {@code l2_allocate}). The new table is written and flushed
     * before the L1 entry pointing to it, and the L1 entry before the old table's refcount drops.
     */
    long writableL2Table(int l1Index) throws IOException {
        if (l1Index >= l1.length) {
            throw new ImageException(s.filename(), "Guest offset beyond the L1 table (index " + l1Index
                    + ", size " + l1.length + ")");
        }
        long entry = l1[l1Index];
        long old = l2TableOffset(l1Index);
        if (old != 0 && !s.l2Cache().contains(old) && Long.compareUnsigned(old, s.file().size()) >= 0) {
            // Reads see such a table as zeroes, as in qemu; writing it would grow the file to there.
            throw s.corruption("L2 table offset 0x" + Long.toHexString(old) + " lies beyond the end of the file"
                    + " (L1 index: 0x" + Integer.toHexString(l1Index) + ")");
        }
        if (old != 0 && L2Entry.copied(entry)) {
            return old;
        }
        long fresh = s.refcounts().allocate(1);
        byte[] copy = old != 0 ? s.l2Cache().get(old).clone() : null;
        byte[] table = s.l2Cache().create(fresh);
        if (copy != null) {
            System.arraycopy(copy, 0, table, 0, table.length);
        }
        if (!s.refcountsMayLag()) {
            s.l2Cache().dependOn(s.refcountCache());
        }
        s.l2Cache().writeBack();
        s.file().flush();
        l1[l1Index] = fresh | L2Entry.COPIED;
        writeL1Entry(l1Index);
        if (old != 0) {
            s.file().flush();
            s.refcounts().free(old, g.clusterSize(), false);
        }
        return fresh;
    }

    /** Writes the 512-byte sector of the active L1 table holding entry {@code index}. */
    void writeL1Entry(int index) throws IOException {
        int first = index & ~63;
        int count = Math.min(64, l1.length - first);
        ByteBuffer buf = ByteBuffer.allocate(count * 8).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < count; i++) {
            buf.putLong(l1[first + i]);
        }
        buf.flip();
        s.file().write(l1Offset + first * 8L, buf);
    }

    /** Sets and writes an L1 entry (shrink, snapshot bookkeeping). */
    void setL1Entry(int index, long value) throws IOException {
        l1[index] = value;
        writeL1Entry(index);
    }

    /**
     * Grows the active L1 table to at least {@code minEntries} (QEMU's {@code qcow2_grow_l1_table}):
     * new table written and flushed, header switched and flushed, old table freed.
     */
    void growL1(long minEntries, boolean exact) throws IOException {
        if (minEntries <= l1.length) {
            return;
        }
        if (minEntries > Limits.MAX_L1_ENTRIES) {
            throw new ImageException(s.filename(), "L1 table would need " + minEntries + " entries, more than the"
                    + " maximum of " + Limits.MAX_L1_ENTRIES + "; the image would be too large for its cluster size");
        }
        long newSize = minEntries;
        if (!exact) {
            newSize = Math.max(1, l1.length);
            while (newSize < minEntries) {
                newSize = (newSize * 3 + 1) / 2;
            }
            newSize = Math.min(newSize, Limits.MAX_L1_ENTRIES);
        }
        long bytes = Limits.alignUp(newSize * 8, g.clusterSize());
        long[] table = java.util.Arrays.copyOf(l1, (int) newSize);
        s.writeBackMetadata();
        long offset = s.refcounts().allocate(bytes >>> g.clusterBits());
        s.writeBackMetadata();
        ByteBuffer buf = ByteBuffer.allocate((int) bytes).order(ByteOrder.BIG_ENDIAN);
        buf.asLongBuffer().put(table);
        s.file().write(offset, buf);
        s.file().flush();
        long oldOffset = l1Offset;
        int oldSize = l1.length;
        s.writeHeader(s.header().withL1(offset, (int) newSize));
        s.file().flush();
        setL1(table, offset);
        if (oldSize > 0) {
            s.refcounts().free(oldOffset, (long) oldSize * 8, false);
        }
    }
}
