package dev.jimg.formats.qcow2;

import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable.Repair;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * {@code check [-r leaks|all]} — QEMU's {@code qcow2_check_refcounts}: count every reference
 * the metadata makes to each host cluster, compare with the stored refcounts, check the COPIED
 * flags, and repair what the mode allows. Messages are qemu-img's, word for word, so the two
 * tools' outputs can be compared line by line.
 *
 * <p>Runs with the image's gate held exclusively and the metadata written back: it reads the
 * tables from the file, as QEMU does, and afterwards drops the caches it may have bypassed.
 */
final class Qcow2Check {
    private final Qcow2State s;
    private final Geometry g;
    private final Consumer<String> report;
    private final Repair repair;

    private long corruptions;
    private long leaks;
    private long checkErrors;
    private long corruptionsFixed;
    private long leaksFixed;
    private long allocated;
    private long fragmented;
    private long compressed;
    private long nextContiguous;
    /** The L2 table being walked, as read and as words ({@link #readTableWords}). */
    private ByteBuffer tableBytes;
    private long[] tableWords;
    private boolean rebuild;
    private long highestCluster = -1;
    /** The file's length when counting started: references past it are reported, not counted. */
    private long fileLength;

    Qcow2Check(Qcow2State s, Repair repair, Consumer<String> report) {
        this.s = s;
        this.g = s.geometry();
        this.report = report;
        this.repair = repair;
    }

    private boolean fixErrors() {
        return repair == Repair.ALL;
    }

    private boolean fixLeaks() {
        return repair != Repair.NONE;
    }

    CheckResult run() throws IOException {
        s.lock.lock();
        try {
            if (!s.readOnly()) {
                s.writeBackMetadata();
            }
            ReferenceTally refs = calculate(true);
            long preCorruptions = corruptions;
            long preLeaks = leaks;
            compare(refs, Repair.NONE);
            if (rebuild && fixErrors()) {
                long oldCorruptions = corruptions;
                long oldLeaks = leaks;
                report.accept("Rebuilding refcount structure");
                new RefcountRebuild(s).rebuild(refs, s.header().refcountOrder());
                corruptions = 0;
                leaks = 0;
                rebuild = false;
                refs = calculate(false);
                long freshLeaks = 0;
                long savedCorruptions = corruptions;
                long savedLeaks = leaks;
                corruptions = 0;
                leaks = 0;
                compare(refs, Repair.LEAKS);
                if (rebuild) {
                    report.accept("ERROR rebuilt refcount structure is still broken");
                }
                freshLeaks = leaks;
                corruptions = savedCorruptions;
                leaks = savedLeaks;
                if (corruptions < oldCorruptions) {
                    corruptionsFixed += oldCorruptions - corruptions;
                }
                if (leaks < oldLeaks) {
                    leaksFixed += oldLeaks - leaks;
                }
                leaks += freshLeaks;
            } else if (repair != Repair.NONE) {
                if (rebuild) {
                    report.accept("ERROR need to rebuild refcount structures");
                    checkErrors++;
                    return result(refs);
                }
                if (leaks > 0 || corruptions > 0) {
                    corruptions = preCorruptions;
                    leaks = preLeaks;
                    compare(refs, repair);
                }
            }
            checkCopiedFlags();
            if (repair != Repair.NONE && !s.readOnly()) {
                s.writeBackMetadata();
                if (checkErrors == 0 && corruptions == 0) {
                    markCleanAndConsistent();
                }
            }
            return result(refs);
        } finally {
            if (!s.readOnly()) {
                s.l2Cache().dropAll();
                s.refcounts().reload(s.header());
                s.map().load(s.header());
            }
            s.lock.unlock();
        }
    }

    private CheckResult result(ReferenceTally refs) {
        long end = (highestCluster + 1) << g.clusterBits();
        return new CheckResult(corruptions, leaks, checkErrors, corruptionsFixed, leaksFixed, end,
                g.sizeToClusters(s.header().size()), allocated, fragmented, compressed);
    }

    // ---------------------------------------------------------------- counting references

    /** QEMU's {@code calculate_refcounts}. {@code countFragments} only on the first pass. */
    private ReferenceTally calculate(boolean firstPass) throws IOException {
        Qcow2Header h = s.header();
        fileLength = s.file().size();
        ReferenceTally refs = new ReferenceTally(g.sizeToClusters(fileLength));
        if (firstPass) {
            allocated = 0;
            fragmented = 0;
            compressed = 0;
            nextContiguous = 0;
        }
        count(refs, 0, g.clusterSize());
        checkL1(refs, h.l1TableOffset(), h.l1Size(), firstPass, true);
        if (s.hasExternalData() && h.nbSnapshots() > 0) {
            report.accept("ERROR " + h.nbSnapshots() + " snapshots in image with data file");
            corruptions++;
        }
        SnapshotTable.Table table = SnapshotTable.readTable(s);
        for (SnapshotTable.Snapshot sn : table.snapshots()) {
            if ((sn.l1Offset() & g.clusterMask()) != 0) {
                report.accept("ERROR snapshot " + sn.id() + " (" + sn.name() + ") l1_offset=0x"
                        + Long.toHexString(sn.l1Offset()) + ": L1 table is not cluster aligned; snapshot table entry corrupted");
                corruptions++;
                continue;
            }
            if (sn.l1Size() > Limits.MAX_L1_ENTRIES) {
                report.accept("ERROR snapshot " + sn.id() + " (" + sn.name() + ") l1_size=0x"
                        + Integer.toHexString(sn.l1Size()) + ": L1 table is too large; snapshot table entry corrupted");
                corruptions++;
                continue;
            }
            checkL1(refs, sn.l1Offset(), sn.l1Size(), false, false);
        }
        count(refs, h.snapshotsOffset(), table.bytes());
        count(refs, h.refcountTableOffset(), (long) h.refcountTableClusters() << g.clusterBits());
        BitmapDirectory.Directory bitmaps = BitmapDirectory.read(s);
        if (bitmaps != null) {
            for (long[] r : BitmapDirectory.ranges(s, bitmaps)) {
                count(refs, r[0], r[1]);
            }
        }
        checkRefblocks(refs);
        return refs;
    }

    /** QEMU's {@code qcow2_inc_refcounts_imrt}. */
    private void count(ReferenceTally refs, long offset, long size) throws IOException {
        if (size <= 0) {
            return;
        }
        // An offset with the top bit set (a snapshot's raw L1 offset) is negative here and would
        // pass the subtraction: it lies beyond the end of the file too.
        if (offset < 0 || offset + size < offset || offset + size - fileLength >= g.clusterSize()) {
            report.accept("ERROR: counting reference for region exceeding the end of the file by one cluster or more:"
                    + " offset 0x" + Long.toHexString(offset) + " size 0x" + Long.toHexString(size));
            corruptions++;
            return;
        }
        long first = offset >>> g.clusterBits();
        long last = (offset + size - 1) >>> g.clusterBits();
        long max = s.refcounts().field().max();
        for (long c = first; c <= last; c++) {
            if (refs.get(c) >= max) {
                report.accept("ERROR: overflow cluster offset=0x" + Long.toHexString(c << g.clusterBits()));
                corruptions++;
                continue;
            }
            refs.increment(c);
        }
    }

    private long[] readTable(long offset, int entries) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(entries * 8).order(ByteOrder.BIG_ENDIAN);
        s.file().read(offset, buf);
        buf.flip();
        long[] t = new long[entries];
        buf.asLongBuffer().get(t);
        return t;
    }

    private void checkL1(ReferenceTally refs, long l1Offset, int l1Size, boolean fragInfo, boolean active)
            throws IOException {
        if (l1Size == 0) {
            return;
        }
        count(refs, l1Offset, l1Size * 8L);
        if (l1Offset < 0 || l1Offset >= fileLength) {
            return; // reported by count: no table there to walk
        }
        long[] l1 = readTable(l1Offset, l1Size);
        for (long entry : l1) {
            if (entry == 0) {
                continue;
            }
            if ((entry & L2Entry.L1_RESERVED_MASK) != 0) {
                report.accept("ERROR found L1 entry with reserved bits set: " + Long.toHexString(entry));
                corruptions++;
            }
            long l2Offset = L2Entry.offset(entry);
            count(refs, l2Offset, g.clusterSize());
            if ((l2Offset & g.clusterMask()) != 0) {
                report.accept("ERROR l2_offset=" + Long.toHexString(l2Offset)
                        + ": Table is not cluster aligned; L1 entry corrupted");
                corruptions++;
            }
            checkL2(refs, l2Offset, fragInfo, active);
        }
    }

    /**
     * An L2 table as big-endian 64-bit words, converted in one bulk copy: a check walks every entry
     * of every table, mostly before the JIT has compiled the loop, and most entries of a sparse
     * image are zero and skipped at the cost of one comparison.
     */
    private long[] readTableWords(long offset) throws IOException {
        // One buffer pair for the whole check (it walks one table at a time): an L1 table may
        // name thousands of L2 tables, and a fresh pair each would allocate without bound.
        if (tableWords == null) {
            tableBytes = ByteBuffer.allocate(g.clusterSize()).order(ByteOrder.BIG_ENDIAN);
            tableWords = new long[g.clusterSize() / Long.BYTES];
        }
        tableBytes.clear();
        s.file().read(offset, tableBytes);
        tableBytes.clear().asLongBuffer().get(tableWords);
        return tableWords;
    }

    /**
     * The first entry from {@code i} on whose words are not all zero, or {@code entries}. Most
     * entries of a sparse image are zero, and a check runs mostly before the JIT has compiled
     * anything: eight entries per test in a tight loop cost a fraction of an interpreted test each.
     */
    static int nextInUse(long[] words, int i, int stride, int entries) {
        if (stride == 1) {
            while (i + 8 <= entries && (words[i] | words[i + 1] | words[i + 2] | words[i + 3] | words[i + 4]
                    | words[i + 5] | words[i + 6] | words[i + 7]) == 0) {
                i += 8;
            }
            while (i < entries && words[i] == 0) {
                i++;
            }
            return i;
        }
        while (i < entries && (words[i * stride] | words[i * stride + 1]) == 0) {
            i++;
        }
        return i;
    }

    private void checkL2(ReferenceTally refs, long l2Offset, boolean fragInfo, boolean active) throws IOException {
        long[] words = readTableWords(l2Offset);
        int stride = g.l2EntryBytes() / Long.BYTES;
        int entries = g.l2Entries();
        boolean extended = g.extendedL2();
        for (int i = nextInUse(words, 0, stride, entries); i < entries; i = nextInUse(words, i + 1, stride, entries)) {
            long entry = words[i * stride];
            long bitmap = extended ? words[i * stride + 1] : 0;
            L2Entry.Type type = L2Entry.type(entry, g);
            if (type != L2Entry.Type.COMPRESSED && (entry & L2Entry.RESERVED_MASK) != 0) {
                report.accept("ERROR found l2 entry with reserved bits set: " + Long.toHexString(entry));
                corruptions++;
            }
            switch (type) {
                case COMPRESSED -> {
                    if (L2Entry.copied(entry)) {
                        report.accept("ERROR: coffset=0x" + Long.toHexString(L2Entry.compressedOffset(entry, g))
                                + ": copied flag must never be set for compressed clusters");
                        entry &= ~L2Entry.COPIED;
                        corruptions++;
                    }
                    if (s.hasExternalData()) {
                        report.accept("ERROR compressed cluster " + i + " with data file, entry=0x"
                                + Long.toHexString(entry));
                        corruptions++;
                        continue;
                    }
                    if (bitmap != 0) {
                        report.accept("ERROR compressed cluster " + i
                                + " with non-zero subcluster allocation bitmap, entry=0x" + Long.toHexString(entry));
                        corruptions++;
                        continue;
                    }
                    long coffset = L2Entry.compressedOffset(entry, g);
                    int sectors = L2Entry.compressedSectors(entry, g);
                    count(refs, coffset & ~511L, sectors * 512L);
                    if (fragInfo) {
                        allocated++;
                        compressed++;
                        fragmented++;
                    }
                }
                case NORMAL, ZERO_ALLOC -> {
                    long offset = L2Entry.offset(entry);
                    if (((bitmap >>> 32) & bitmap) != 0) {
                        corruptions++;
                        report.accept("ERROR offset=" + Long.toHexString(offset)
                                + ": Allocated cluster has corrupted subcluster allocation bitmap");
                    }
                    if ((offset & g.clusterMask()) != 0) {
                        corruptions++;
                        boolean containsData = g.extendedL2() ? (bitmap & L2Entry.ALL_ALLOCATED) != 0
                                : (entry & L2Entry.ZERO) == 0;
                        if (!containsData) {
                            report.accept((fixErrors() ? "Repairing" : "ERROR") + " offset=" + Long.toHexString(offset)
                                    + ": Preallocated cluster is not properly aligned; L2 entry corrupted.");
                            if (fixErrors()) {
                                ByteBuffer fix = ByteBuffer.allocate(g.l2EntryBytes());
                                if (g.extendedL2()) {
                                    fix.putLong(0, 0).putLong(8, L2Entry.ALL_ZEROES);
                                } else {
                                    fix.putLong(0, L2Entry.ZERO);
                                }
                                s.file().write(l2Offset + (long) i * g.l2EntryBytes(), fix);
                                corruptions--;
                                corruptionsFixed++;
                                continue;
                            }
                        } else {
                            report.accept("ERROR offset=" + Long.toHexString(offset)
                                    + ": Data cluster is not properly aligned; L2 entry corrupted.");
                        }
                    }
                    if (fragInfo) {
                        allocated++;
                        if (nextContiguous != 0 && offset != nextContiguous) {
                            fragmented++;
                        }
                        nextContiguous = offset + g.clusterSize();
                    }
                    if (!s.hasExternalData()) {
                        count(refs, offset, g.clusterSize());
                    }
                }
                case ZERO_PLAIN -> {
                }
                case UNALLOCATED -> {
                    if ((bitmap & L2Entry.ALL_ALLOCATED) != 0) {
                        corruptions++;
                        report.accept("ERROR: Unallocated cluster has non-zero subcluster allocation map");
                    }
                }
            }
        }
    }

    /** QEMU's {@code check_refblocks}: each refcount block must be aligned, inside the file and referenced once. */
    private void checkRefblocks(ReferenceTally refs) throws IOException {
        Refcounts rc = s.refcounts();
        long[] rawTable = readTable(rc.tableOffset(), rc.tableEntries());
        for (int i = 0; i < rc.tableEntries(); i++) {
            long raw = rawTable[i];
            long offset = rc.blockOffset(i);
            long cluster = offset >>> g.clusterBits();
            if ((raw & 0x1ffL) != 0) {
                report.accept("ERROR refcount table entry " + i + " has reserved bits set");
                corruptions++;
                rebuild = true;
                continue;
            }
            if ((offset & g.clusterMask()) != 0) {
                report.accept("ERROR refcount block " + i + " is not cluster aligned; refcount table entry corrupted");
                corruptions++;
                rebuild = true;
                continue;
            }
            if (offset != 0 && cluster >= refs.size()) {
                report.accept((fixErrors() ? "Repairing" : "ERROR") + " refcount block " + i + " is outside image");
                if (fixErrors()) {
                    // QEMU grows the file to hold the block; an offset that cannot be a file
                    // length (or that the file system refuses) leaves it to the rebuild instead.
                    try {
                        if (offset < 0 || offset > Long.MAX_VALUE - g.clusterSize()) {
                            throw new IOException("Invalid argument");
                        }
                        s.file().resize(offset + g.clusterSize());
                        corruptionsFixed++;
                    } catch (IOException e) {
                        report.accept("ERROR could not resize image: " + e.getMessage());
                        corruptions++;
                        rebuild = true;
                        continue;
                    }
                } else {
                    corruptions++;
                    continue;
                }
            }
            if (offset != 0) {
                count(refs, offset, g.clusterSize());
                long n = refs.get(cluster);
                if (n != 1) {
                    report.accept("ERROR refcount block " + i + " refcount=" + n);
                    corruptions++;
                    rebuild = true;
                }
            }
        }
    }

    // ---------------------------------------------------------------- comparing and repairing

    /** QEMU's {@code compare_refcounts}. */
    private void compare(ReferenceTally refs, Repair fix) throws IOException {
        Refcounts rc = s.refcounts();
        long n = Math.max(refs.size(), 0);
        long[] run = new long[(int) Math.min(n, 4096)];
        long runStart = 0;
        int runLength = 0;
        for (long i = 0; i < n; i++) {
            long stored;
            if (i >= runStart + runLength) {
                // The stored refcounts a block at a time; a block that cannot be read is reported
                // cluster by cluster, as QEMU does.
                try {
                    runLength = rc.getRun(i, run);
                    runStart = i;
                } catch (dev.jimg.block.CorruptImageException e) {
                    runLength = 0;
                    report.accept("Can't get refcount for cluster " + i + ": " + e.getMessage());
                    checkErrors++;
                    continue;
                }
            }
            stored = run[(int) (i - runStart)];
            long counted = refs.get(i);
            if (stored > 0 || counted > 0) {
                highestCluster = i;
            }
            if (stored == counted) {
                continue;
            }
            boolean fixing = false;
            boolean leak = stored > counted;
            if (stored == 0) {
                rebuild = true;
            } else if (leak && fix != Repair.NONE) {
                fixing = true;
            } else if (!leak && fix == Repair.ALL) {
                fixing = true;
            }
            report.accept((fixing ? "Repairing" : leak ? "Leaked" : "ERROR") + " cluster " + i + " refcount="
                    + stored + " reference=" + counted);
            if (fixing && !s.readOnly()) {
                rc.set(i, counted);
                if (leak) {
                    leaksFixed++;
                } else {
                    corruptionsFixed++;
                }
                continue;
            }
            if (leak) {
                leaks++;
            } else {
                corruptions++;
            }
        }
    }

    /** QEMU's {@code check_oflag_copied}: COPIED must be set exactly where the refcount is 1. */
    private void checkCopiedFlags() throws IOException {
        boolean fix = fixErrors() || (fixLeaks() && checkErrors == 0 && corruptions == 0 && leaks == 0);
        fix &= !s.readOnly();
        Refcounts.Reader rc = s.refcounts().new Reader();
        s.writeBackMetadata();
        long[] l1 = s.map().l1();
        for (int i = 0; i < l1.length; i++) {
            long l1Entry = l1[i];
            long l2Offset = L2Entry.offset(l1Entry);
            if (l2Offset == 0) {
                continue;
            }
            long refcount;
            try {
                refcount = rc.get(l2Offset >>> g.clusterBits());
            } catch (dev.jimg.block.CorruptImageException e) {
                continue;
            }
            if ((refcount == 1) != L2Entry.copied(l1Entry)) {
                corruptions++;
                report.accept((fix ? "Repairing" : "ERROR") + " OFLAG_COPIED L2 cluster: l1_index=" + i
                        + " l1_entry=" + Long.toHexString(l1Entry) + " refcount=" + refcount);
                if (fix) {
                    s.map().setL1Entry(i, refcount == 1 ? l1Entry | L2Entry.COPIED : l1Entry & ~L2Entry.COPIED);
                    corruptions--;
                    corruptionsFixed++;
                }
            }
            long[] words = readTableWords(l2Offset);
            int stride = g.l2EntryBytes() / Long.BYTES;
            int entries = g.l2Entries();
            int dirty = 0;
            for (int j = nextInUse(words, 0, stride, entries); j < entries; j = nextInUse(words, j + 1, stride, entries)) {
                long entry = words[j * stride];
                if (entry == 0) {
                    continue;
                }
                L2Entry.Type t = L2Entry.type(entry, g);
                if (t != L2Entry.Type.NORMAL && t != L2Entry.Type.ZERO_ALLOC) {
                    continue;
                }
                long ref;
                if (s.hasExternalData()) {
                    ref = 1;
                } else {
                    try {
                        ref = rc.get(L2Entry.offset(entry) >>> g.clusterBits());
                    } catch (dev.jimg.block.CorruptImageException e) {
                        continue;
                    }
                }
                if ((ref == 1) != L2Entry.copied(entry)) {
                    corruptions++;
                    report.accept((fix ? "Repairing" : "ERROR") + " OFLAG_COPIED data cluster: l2_entry="
                            + Long.toHexString(entry) + " refcount=" + ref);
                    if (fix) {
                        words[j * stride] = ref == 1 ? entry | L2Entry.COPIED : entry & ~L2Entry.COPIED;
                        dirty++;
                    }
                }
            }
            if (dirty > 0) {
                ByteBuffer table = ByteBuffer.allocate(g.clusterSize());
                table.asLongBuffer().put(words);
                s.file().write(l2Offset, table);
                s.l2Cache().drop(l2Offset);
                corruptions -= dirty;
                corruptionsFixed += dirty;
            }
        }
    }

    /** After a repair left no corruption: clear the dirty and corrupt bits (QEMU's mark_clean/mark_consistent). */
    private void markCleanAndConsistent() throws IOException {
        Qcow2Header h = s.header();
        long bits = h.incompatibleFeatures() & ~(Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_CORRUPT);
        if (bits != h.incompatibleFeatures()) {
            s.file().flush();
            s.writeHeader(h.withIncompatible(bits));
            s.file().flush();
        }
    }

    /** For amend: the references of every cluster, computed as check computes them. */
    static ReferenceTally tally(Qcow2State s) throws IOException {
        Qcow2Check c = new Qcow2Check(s, Repair.NONE, line -> { });
        ReferenceTally refs = c.calculate(true);
        if (c.corruptions > 0 || c.rebuild) {
            throw new dev.jimg.block.CorruptImageException(s.filename(), "The image has corrupted metadata; run"
                    + " check -r all before changing it");
        }
        return refs;
    }
}
