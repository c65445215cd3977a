package dev.jimg.formats.qcow2;

import dev.jimg.block.util.Buffers;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes guest data: allocation, copy-on-write of partial (sub)clusters, linking new clusters
 * into L2 tables, and freeing what they replace — QEMU's {@code qcow2_co_pwritev_part} with
 * {@code qcow2_alloc_host_offset} and {@code qcow2_alloc_cluster_link_l2}.
 *
 * <p>Every write is planned under the metadata lock (which clusters, allocated where), executed
 * without it (the data I/O, so writers to different clusters overlap), and committed under it
 * again (L2 entries, refcounts of replaced clusters). The guest clusters involved are held in
 * {@link GuestRangeLocks} from plan to commit.
 */
final class DataWriter {
    /** Largest run allocated and written in one piece: bounds the COW buffer and the lock hold time. */
    private static final long MAX_RUN_BYTES = 32L << 20;

    private final Qcow2State s;
    private final Geometry g;
    private final DataReader reader;
    private final SizeSource size;
    final GuestRangeLocks ranges = new GuestRangeLocks();

    /** The image's current virtual size (it changes on resize). */
    @FunctionalInterface
    interface SizeSource {
        long size();
    }

    private enum Action {
        /** Host cluster owned by this image alone and fully readable: write in place. */
        KEEP,
        /** Host cluster owned alone but (partly) reading as zero or unallocated: write in place, fill, update entry. */
        REUSE,
        /** New host cluster needed. */
        ALLOC
    }

    /**
     * One planned piece of a write.
     *
     * @param pos        guest offset where the caller's data starts
     * @param length     bytes of caller data in this piece
     * @param fillStart  guest offset where the host write starts (before {@code pos}: copy-on-write head)
     * @param fillEnd    guest offset where the host write ends (after {@code pos + length}: COW tail)
     * @param hostStart  host offset of guest {@code fillStart}'s cluster start
     */
    private record Plan(Action action, long pos, int length, long fillStart, long fillEnd, long hostStart,
            long l2Offset, int firstIndex, long[] oldEntries, long[] newBitmaps) {
        int clusters() {
            return oldEntries.length;
        }
    }

    DataWriter(Qcow2State s, DataReader reader, SizeSource size) {
        this.s = s;
        this.g = s.geometry();
        this.reader = reader;
        this.size = size;
    }

    long firstCluster(long offset) {
        return offset >>> g.clusterBits();
    }

    long lastCluster(long offset, long length) {
        return (offset + Math.max(length, 1) - 1) >>> g.clusterBits();
    }

    // ---------------------------------------------------------------- plain writes

    void write(long offset, ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return;
        }
        long first = firstCluster(offset);
        long last = lastCluster(offset, src.remaining());
        ranges.lock(first, last);
        try {
            writeLocked(offset, src);
        } finally {
            ranges.unlock(first, last);
        }
    }

    /** Writes with the guest range already held. */
    private void writeLocked(long offset, ByteBuffer src) throws IOException {
        long pos = offset;
        while (src.hasRemaining()) {
            Plan p;
            s.lock.lock();
            try {
                s.requireWritable();
                p = plan(pos, src.remaining());
            } finally {
                s.lock.unlock();
            }
            ByteBuffer piece = src.slice(src.position(), p.length());
            execute(p, piece);
            if (p.action() != Action.KEEP) {
                s.lock.lock();
                try {
                    commit(p);
                } finally {
                    s.lock.unlock();
                }
            }
            src.position(src.position() + p.length());
            pos += p.length();
        }
    }

    private Plan plan(long pos, long remaining) throws IOException {
        ensureDirtyBitIfLazy();
        int l1Index = g.l1Index(pos);
        long l2 = s.map().writableL2Table(l1Index);
        byte[] table = s.l2Cache().get(l2);
        long coverageEnd = (pos | (g.l2Coverage() - 1)) + 1;
        long end = Math.min(pos + remaining, coverageEnd);
        end = Math.min(end, pos + MAX_RUN_BYTES);
        int idx = g.l2Index(pos);
        long entry = s.map().entry(table, idx);
        long bitmap = s.map().bitmap(table, idx);
        long clusterStart = pos & ~g.clusterMask();
        Action action = actionFor(entry, bitmap, pos, Math.min(end, clusterStart + g.clusterSize()));

        int n = 1;
        long runEnd = Math.min(end, clusterStart + g.clusterSize());
        if (action != Action.REUSE) {
            long host = L2Entry.offset(entry);
            while (runEnd < end) {
                long nextStart = runEnd;
                long nextEnd = Math.min(end, nextStart + g.clusterSize());
                long e2 = s.map().entry(table, idx + n);
                long b2 = s.map().bitmap(table, idx + n);
                Action a2 = actionFor(e2, b2, nextStart, nextEnd);
                if (a2 != action || (action == Action.KEEP && L2Entry.offset(e2) != host + ((long) n << g.clusterBits()))) {
                    break;
                }
                n++;
                runEnd = nextEnd;
            }
        }
        long[] oldEntries = new long[n];
        long[] oldBitmaps = new long[n];
        for (int i = 0; i < n; i++) {
            oldEntries[i] = s.map().entry(table, idx + i);
            oldBitmaps[i] = s.map().bitmap(table, idx + i);
        }
        int length = (int) (runEnd - pos);
        long lastClusterStart = (runEnd - 1) & ~g.clusterMask();
        long fillStart = pos;
        long fillEnd = runEnd;
        long[] newBitmaps = new long[n];
        long hostStart;
        switch (action) {
            case KEEP -> hostStart = L2Entry.offset(entry);
            case REUSE -> {
                hostStart = L2Entry.offset(entry);
                fillStart = fillStartFor(oldEntries[0], oldBitmaps[0], pos, true);
                fillEnd = fillEndFor(oldEntries[0], oldBitmaps[0], runEnd, true);
                newBitmaps[0] = touchedBitmap(oldEntries[0], oldBitmaps[0], pos, runEnd);
            }
            default -> {
                hostStart = allocateData(clusterStart, n);
                fillStart = fillStartFor(oldEntries[0], oldBitmaps[0], pos, false);
                fillEnd = fillEndFor(oldEntries[n - 1], oldBitmaps[n - 1], runEnd, false);
                for (int i = 0; i < n; i++) {
                    long cs = clusterStart + ((long) i << g.clusterBits());
                    newBitmaps[i] = allocBitmap(oldEntries[i], oldBitmaps[i], Math.max(pos, cs),
                            Math.min(runEnd, cs + g.clusterSize()));
                }
            }
        }
        if (lastClusterStart < clusterStart) {
            throw new IllegalStateException("empty write run at " + pos);
        }
        return new Plan(action, pos, length, fillStart, fillEnd, hostStart, l2, idx, oldEntries, newBitmaps);
    }

    /** How a write of guest {@code [pos, end)} (within one cluster) can use the cluster's slot. */
    private Action actionFor(long entry, long bitmap, long pos, long end) {
        L2Entry.Type t = L2Entry.type(entry, g);
        if (t == L2Entry.Type.COMPRESSED || !L2Entry.copied(entry) || !L2Entry.hasHost(entry, g)) {
            return Action.ALLOC;
        }
        if (!g.extendedL2()) {
            return t == L2Entry.Type.NORMAL ? Action.KEEP : Action.REUSE;
        }
        long touched = touchedMask(pos, end);
        return (bitmap & touched) == touched && (bitmap & (touched << 32)) == 0 ? Action.KEEP : Action.REUSE;
    }

    /** Alloc bits of the subclusters {@code [pos, end)} touches (within one cluster). */
    private long touchedMask(long pos, long end) {
        int sc = g.subclusterSize();
        int first = (int) ((pos & g.clusterMask()) / sc);
        int last = (int) (((end - 1) & g.clusterMask()) / sc);
        long mask = 0;
        for (int i = first; i <= last; i++) {
            mask |= 1L << i;
        }
        return mask;
    }

    /** Whether the new (sub)cluster contents come from the old cluster as a whole (shared or compressed). */
    private boolean copiesWholeCluster(long oldEntry) {
        L2Entry.Type t = L2Entry.type(oldEntry, g);
        return !g.extendedL2() || t == L2Entry.Type.COMPRESSED || L2Entry.hasHost(oldEntry, g);
    }

    private long fillStartFor(long oldEntry, long oldBitmap, long pos, boolean inPlace) {
        long clusterStart = pos & ~g.clusterMask();
        if (!g.extendedL2()) {
            return clusterStart;
        }
        if (!inPlace && copiesWholeCluster(oldEntry)) {
            return clusterStart;
        }
        long scStart = pos & ~(g.subclusterSize() - 1L);
        int sc = (int) ((scStart - clusterStart) / g.subclusterSize());
        boolean allocated = inPlace && (oldBitmap & (1L << sc)) != 0;
        return allocated ? pos : scStart;
    }

    private long fillEndFor(long oldEntry, long oldBitmap, long end, boolean inPlace) {
        long clusterStart = (end - 1) & ~g.clusterMask();
        long clusterEnd = clusterStart + g.clusterSize();
        if (!g.extendedL2()) {
            return clusterEnd;
        }
        if (!inPlace && copiesWholeCluster(oldEntry)) {
            return clusterEnd;
        }
        long scEnd = Limits.alignUp(end, g.subclusterSize());
        int sc = (int) ((scEnd - g.subclusterSize() - clusterStart) / g.subclusterSize());
        boolean allocated = inPlace && (oldBitmap & (1L << sc)) != 0;
        return allocated ? end : scEnd;
    }

    /** The bitmap after writing {@code [pos, end)} in place: touched subclusters become allocated. */
    private long touchedBitmap(long oldEntry, long oldBitmap, long pos, long end) {
        if (!g.extendedL2()) {
            return 0;
        }
        long touched = touchedMask(pos, end);
        return (oldBitmap | touched) & ~(touched << 32);
    }

    /** The bitmap of a newly allocated cluster written at {@code [pos, end)}. */
    private long allocBitmap(long oldEntry, long oldBitmap, long pos, long end) {
        if (!g.extendedL2()) {
            return 0;
        }
        if (copiesWholeCluster(oldEntry)) {
            return L2Entry.ALL_ALLOCATED;
        }
        return touchedBitmap(oldEntry, oldBitmap, pos, end);
    }

    /** Host clusters for {@code n} guest clusters from {@code guestStart}: new ones, or the identity in an external data file. */
    private long allocateData(long guestStart, int n) throws IOException {
        if (s.hasExternalData()) {
            return guestStart;
        }
        return s.refcounts().allocate(n);
    }

    /** Writes the data (and the copy-on-write fill around it) to the host. */
    private void execute(Plan p, ByteBuffer data) throws IOException {
        long clusterStart = p.pos() & ~g.clusterMask();
        long hostAtFill = p.hostStart() + (p.fillStart() - clusterStart);
        long dataEnd = p.pos() + p.length();
        if (p.fillStart() == p.pos() && p.fillEnd() == dataEnd) {
            checkOverlap(hostAtFill, p.length());
            s.dataFile().write(hostAtFill, data.duplicate());
            return;
        }
        int total = (int) (p.fillEnd() - p.fillStart());
        ByteBuffer buf = ByteBuffer.allocate(total);
        readGuestView(p.fillStart(), buf.slice(0, (int) (p.pos() - p.fillStart())));
        buf.put((int) (p.pos() - p.fillStart()), data.duplicate(), 0, p.length());
        readGuestView(dataEnd, buf.slice((int) (dataEnd - p.fillStart()), (int) (p.fillEnd() - dataEnd)));
        checkOverlap(hostAtFill, total);
        s.dataFile().write(hostAtFill, buf);
    }

    /** What the guest reads now at {@code offset}; zeroes past the end of the image. */
    private void readGuestView(long offset, ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return;
        }
        long imageSize = size.size();
        int inImage = (int) Math.max(0, Math.min(dst.remaining(), imageSize - offset));
        if (inImage > 0) {
            reader.read(offset, dst.slice(0, inImage));
        }
        Buffers.fillZero(dst.slice(inImage, dst.remaining() - inImage));
    }

    private void commit(Plan p) throws IOException {
        boolean fresh = p.action() == Action.ALLOC;
        for (int i = 0; i < p.clusters(); i++) {
            long host = p.hostStart() + ((long) i << g.clusterBits());
            long entry = host | L2Entry.COPIED;
            s.map().setSlot(p.l2Offset(), p.firstIndex() + i, entry, p.newBitmaps()[i], fresh);
        }
        if (p.fillStart() != p.pos() || p.fillEnd() != p.pos() + p.length()) {
            // Copied data the guest did not write must be on disk before the entry that exposes it.
            s.l2Cache().dependOnFileFlush();
        }
        if (fresh) {
            for (long old : p.oldEntries()) {
                release(old, false);
            }
        }
    }

    /** Drops this image's reference to what an old L2 entry pointed to. */
    private void release(long oldEntry, boolean punch) throws IOException {
        L2Entry.Type t = L2Entry.type(oldEntry, g);
        if (t == L2Entry.Type.COMPRESSED) {
            long first = L2Entry.compressedFirstCluster(oldEntry, g);
            long last = L2Entry.compressedLastCluster(oldEntry, g);
            s.refcounts().update(first, last - first + 1, -1, punch);
        } else if (L2Entry.hasHost(oldEntry, g) && !s.hasExternalData()) {
            s.refcounts().update(L2Entry.offset(oldEntry) >>> g.clusterBits(), 1, -1, punch);
        }
    }

    /**
     * QEMU's {@code qcow2_pre_write_overlap_check} for the structures that never move during
     * normal I/O: a data write landing on them means the L2 entry that led there is corrupt.
     */
    private void checkOverlap(long host, long length) {
        if (s.hasExternalData()) {
            return;
        }
        Qcow2Header h = s.header();
        String hit = null;
        if (host < g.clusterSize()) {
            hit = "qcow2_header";
        } else if (overlaps(host, length, h.l1TableOffset(), h.l1Size() * 8L)) {
            hit = "active L1 table";
        } else if (overlaps(host, length, h.refcountTableOffset(), (long) h.refcountTableClusters() << g.clusterBits())) {
            hit = "refcount table";
        }
        if (hit != null) {
            throw s.corruption("Preventing invalid write on metadata (overlaps with " + hit + ")");
        }
    }

    private static boolean overlaps(long a, long alen, long b, long blen) {
        return blen > 0 && a < b + blen && b < a + alen;
    }

    /** Sets the dirty bit before the first metadata change when lazy refcounts are on. */
    private void ensureDirtyBitIfLazy() throws IOException {
        Qcow2Header h = s.header();
        if (h.lazyRefcounts() && !h.has(Qcow2Header.INCOMPAT_DIRTY)) {
            s.writeHeader(h.withIncompatible(h.incompatibleFeatures() | Qcow2Header.INCOMPAT_DIRTY));
            s.file().flush();
        }
    }

    // ---------------------------------------------------------------- zeroes and discards

    /** QEMU's {@code qcow2_co_pwrite_zeroes}: zero flags for whole (sub)clusters, explicit zeroes for the rest. */
    void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        if (length <= 0) {
            return;
        }
        long first = firstCluster(offset);
        long last = lastCluster(offset, length);
        ranges.lock(first, last);
        try {
            long end = offset + length;
            long unit = g.supportsZeroFlag() ? g.subclusterSize() : g.clusterSize();
            long alignedStart = Limits.alignUp(offset, unit);
            long alignedEnd = end & -unit;
            if (!g.supportsZeroFlag() || alignedStart >= alignedEnd) {
                zeroExplicitly(offset, end);
                return;
            }
            zeroExplicitly(offset, alignedStart);
            zeroExplicitly(alignedEnd, end);
            long pos = alignedStart;
            while (pos < alignedEnd) {
                s.lock.lock();
                try {
                    s.requireWritable();
                    pos = zeroInL2(pos, alignedEnd, mayUnmap);
                } finally {
                    s.lock.unlock();
                }
            }
        } finally {
            ranges.unlock(first, last);
        }
    }

    /** Writes real zeroes over {@code [from, to)}, skipping what already reads as zero. */
    private void zeroExplicitly(long from, long to) throws IOException {
        long pos = from;
        while (pos < to) {
            ClusterMap.Run run = reader.lookup(pos, to - pos);
            long n = run.length();
            if (!readsAsZero(run)) {
                ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(n, MAX_RUN_BYTES));
                n = zeroes.remaining();
                writeLocked(pos, zeroes);
            }
            pos += n;
        }
    }

    private boolean readsAsZero(ClusterMap.Run run) throws IOException {
        return switch (run.type()) {
            case ZERO_PLAIN, ZERO_ALLOC -> true;
            case UNALLOCATED -> reader.backing() == null || run.offset() >= reader.backing().size();
            default -> false;
        };
    }

    /** Zeroes whole (sub)clusters from {@code pos} up to the end of its L2 table or {@code end}; returns where it stopped. */
    private long zeroInL2(long pos, long end, boolean mayUnmap) throws IOException {
        ensureDirtyBitIfLazy();
        long l2 = s.map().writableL2Table(g.l1Index(pos));
        long stop = Math.min(end, (pos | (g.l2Coverage() - 1)) + 1);
        while (pos < stop) {
            long clusterStart = pos & ~g.clusterMask();
            long clusterEnd = Math.min(stop, clusterStart + g.clusterSize());
            int idx = g.l2Index(pos);
            byte[] table = s.l2Cache().get(l2);
            long entry = s.map().entry(table, idx);
            long bitmap = s.map().bitmap(table, idx);
            boolean whole = pos == clusterStart && clusterEnd - clusterStart == g.clusterSize();
            if (g.extendedL2()) {
                zeroSubclusters(l2, idx, entry, bitmap, pos, clusterEnd, whole && mayUnmap);
            } else {
                zeroCluster(l2, idx, entry, mayUnmap);
            }
            pos = clusterEnd;
        }
        return stop;
    }

    private void zeroCluster(long l2, int idx, long entry, boolean mayUnmap) throws IOException {
        L2Entry.Type t = L2Entry.type(entry, g);
        if (t == L2Entry.Type.ZERO_PLAIN) {
            return;
        }
        boolean keep = !mayUnmap && L2Entry.copied(entry)
                && (t == L2Entry.Type.NORMAL || t == L2Entry.Type.ZERO_ALLOC);
        if (keep) {
            if (t != L2Entry.Type.ZERO_ALLOC) {
                s.map().setSlot(l2, idx, L2Entry.offset(entry) | L2Entry.COPIED | L2Entry.ZERO, 0, false);
            }
            return;
        }
        s.map().setSlot(l2, idx, L2Entry.ZERO, 0, false);
        release(entry, mayUnmap);
    }

    private void zeroSubclusters(long l2, int idx, long entry, long bitmap, long from, long to, boolean unmapCluster)
            throws IOException {
        L2Entry.Type t = L2Entry.type(entry, g);
        boolean ownHost = L2Entry.hasHost(entry, g) && L2Entry.copied(entry) && t != L2Entry.Type.COMPRESSED;
        long touched = touchedMask(from, to);
        if (unmapCluster || (!ownHost && t != L2Entry.Type.UNALLOCATED)) {
            // Whole cluster (or a shared/compressed one): drop the host cluster, all subclusters zero.
            if (touched != L2Entry.ALL_ALLOCATED && !unmapCluster) {
                // A partial zeroing of a shared cluster needs the rest copied: take the data path.
                zeroExplicitlyUnderLock(from, to);
                return;
            }
            s.map().setSlot(l2, idx, 0, L2Entry.ALL_ZEROES, false);
            release(entry, unmapCluster);
            return;
        }
        long newBitmap = (bitmap & ~touched) | (touched << 32);
        s.map().setSlot(l2, idx, entry, newBitmap, false);
    }

    private void zeroExplicitlyUnderLock(long from, long to) throws IOException {
        s.lock.unlock();
        try {
            writeLocked(from, ByteBuffer.allocate((int) (to - from)));
        } finally {
            s.lock.lock();
        }
    }

    /**
     * QEMU's {@code qcow2_cluster_discard}: whole clusters only. With {@code full}, the clusters
     * become unallocated (make-empty); otherwise they read as zeroes in v3 images (or as the
     * backing file in v2 ones). Freed host clusters are punched out of the file.
     */
    void discard(long offset, long length, boolean full) throws IOException {
        long start = Limits.alignUp(offset, g.clusterSize());
        long end = Math.min(offset + length, size.size());
        if (end != size.size()) {
            end = end & ~g.clusterMask();
        }
        if (start >= end) {
            return;
        }
        long first = firstCluster(start);
        long last = lastCluster(start, end - start);
        ranges.lock(first, last);
        try {
            long pos = start;
            while (pos < end) {
                s.lock.lock();
                try {
                    s.requireWritable();
                    pos = discardInL2(pos, end, full);
                } finally {
                    s.lock.unlock();
                }
            }
        } finally {
            ranges.unlock(first, last);
        }
    }

    private long discardInL2(long pos, long end, boolean full) throws IOException {
        long stop = Math.min(end, (pos | (g.l2Coverage() - 1)) + 1);
        int l1Index = g.l1Index(pos);
        boolean backing = reader.backing() != null;
        if (s.map().l2TableOffset(l1Index) == 0 && (full || !backing)) {
            return stop; // nothing allocated here, and it already reads as it should
        }
        ensureDirtyBitIfLazy();
        long l2 = s.map().writableL2Table(l1Index);
        for (long c = pos; c < stop; c += g.clusterSize()) {
            int idx = g.l2Index(c);
            byte[] table = s.l2Cache().get(l2);
            long entry = s.map().entry(table, idx);
            long bitmap = s.map().bitmap(table, idx);
            L2Entry.Type t = L2Entry.type(entry, g);
            boolean allocated = t == L2Entry.Type.NORMAL || t == L2Entry.Type.ZERO_ALLOC
                    || t == L2Entry.Type.COMPRESSED || L2Entry.hasHost(entry, g);
            long newEntry;
            long newBitmap = 0;
            if (full) {
                newEntry = 0;
            } else if (backing || allocated) {
                if (g.extendedL2()) {
                    newEntry = 0;
                    newBitmap = L2Entry.ALL_ZEROES;
                } else {
                    newEntry = g.supportsZeroFlag() ? L2Entry.ZERO : 0;
                }
            } else {
                continue; // unallocated without a backing file already reads as zeroes
            }
            if (newEntry == entry && newBitmap == bitmap) {
                continue;
            }
            s.map().setSlot(l2, idx, newEntry, newBitmap, false);
            release(entry, true);
        }
        return stop;
    }

    // ---------------------------------------------------------------- compressed clusters

    /** Stores one compressed cluster at guest {@code offset} (cluster aligned). */
    void writeCompressed(long offset, byte[] compressed, int length) throws IOException {
        long cluster = firstCluster(offset);
        ranges.lock(cluster, cluster);
        try {
            long l2;
            int idx = g.l2Index(offset);
            long old;
            long host;
            s.lock.lock();
            try {
                s.requireWritable();
                ensureDirtyBitIfLazy();
                l2 = s.map().writableL2Table(g.l1Index(offset));
                old = s.map().entry(s.l2Cache().get(l2), idx);
                host = s.refcounts().allocateBytes(length);
            } finally {
                s.lock.unlock();
            }
            checkOverlap(host, length);
            s.file().write(host, ByteBuffer.wrap(compressed, 0, length));
            s.lock.lock();
            try {
                s.map().setSlot(l2, idx, L2Entry.compressed(host, length, g), 0, true);
                // Unlike a plain cluster, a compressed one whose data did not land cannot even be read.
                s.l2Cache().dependOnFileFlush();
                release(old, false);
            } finally {
                s.lock.unlock();
            }
        } finally {
            ranges.unlock(cluster, cluster);
        }
    }
}
