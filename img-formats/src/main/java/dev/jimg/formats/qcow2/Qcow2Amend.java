package dev.jimg.formats.qcow2;

import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.ProgressListener;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.ImageOptions;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@code amend -o …} — QEMU's {@code qcow2_amend_options}: {@code compat} (upgrade; downgrade
 * after expanding zero clusters), {@code lazy_refcounts}, {@code refcount_bits} (a rebuilt
 * refcount structure), {@code size}, and the backing file. Options that would need the image
 * rewritten are refused with qemu-img's message. Runs with the gate held exclusively.
 */
final class Qcow2Amend {
    private final Qcow2Node node;
    private final Qcow2State s;

    Qcow2Amend(Qcow2Node node) {
        this.node = node;
        this.s = node.s;
    }

    void amend(ImageOptions o, ProgressListener progress) throws IOException {
        Qcow2Header h = s.header();
        refuseUnchangeable(o, h);
        int version = h.version();
        if (o.has(Qcow2Driver.OPT_COMPAT)) {
            version = switch (o.string(Qcow2Driver.OPT_COMPAT).orElseThrow()) {
                case "0.10", "v2" -> 2;
                default -> 3;
            };
        }
        boolean lazy = o.has(Qcow2Driver.OPT_LAZY_REFCOUNTS) ? o.bool(Qcow2Driver.OPT_LAZY_REFCOUNTS, false)
                : h.lazyRefcounts();
        int order = h.refcountOrder();
        if (o.has(Qcow2Driver.OPT_REFCOUNT_BITS)) {
            long bits = o.number(Qcow2Driver.OPT_REFCOUNT_BITS, 16);
            if (bits > 64 || Long.bitCount(bits) != 1) {
                throw new ImageException(s.filename(), "Refcount width must be a power of two and may not exceed 64 bits");
            }
            order = Long.numberOfTrailingZeros(bits);
        }
        if (version < 3 && order != 4) {
            throw new ImageException(s.filename(), "Different refcount widths than 16 bits require compatibility"
                    + " level 1.1 or above (use compat=1.1 or greater)");
        }
        if (version < 3 && lazy) {
            throw new ImageException(s.filename(), "Lazy refcounts only supported with compatibility level 1.1 and"
                    + " above (use compat=1.1 or greater)");
        }
        s.lock.lock();
        try {
            s.writeBackMetadata();
            if (version > h.version()) {
                s.writeHeader(s.header().withVersion(3));
                s.file().flush();
            }
            if (order != s.header().refcountOrder()) {
                changeRefcountOrder(order);
            }
            setLazy(lazy);
        } finally {
            s.lock.unlock();
        }
        if (o.has(CommonOptions.BACKING_FILE) || o.has(CommonOptions.BACKING_FMT)) {
            String file = o.string(CommonOptions.BACKING_FILE).orElse(s.header().backingFile());
            String fmt = o.string(CommonOptions.BACKING_FMT).orElse(s.header().backingFormat());
            s.lock.lock();
            try {
                s.writeHeader(s.header().withBacking(file, fmt));
                s.file().flush();
            } finally {
                s.lock.unlock();
            }
        }
        if (o.has(CommonOptions.SIZE)) {
            new Qcow2Resize(node).resize(o.size(CommonOptions.SIZE, s.header().size()));
        }
        if (version < s.header().version()) {
            downgrade();
        }
        progress.progress(1, 1);
    }

    private void refuseUnchangeable(ImageOptions o, Qcow2Header h) {
        if (o.has(Qcow2Driver.OPT_CLUSTER_SIZE) && o.size(Qcow2Driver.OPT_CLUSTER_SIZE, 0) != h.clusterSize()) {
            throw new NotSupportedException(s.filename(), "Changing the cluster size is not supported");
        }
        if (o.has(Qcow2Driver.OPT_ENCRYPTION) || o.has(Qcow2Driver.OPT_ENCRYPT_FORMAT)) {
            throw new NotSupportedException(s.filename(), "Changing the encryption format is not supported");
        }
        if (o.has(CommonOptions.PREALLOCATION)) {
            throw new NotSupportedException(s.filename(), "Cannot change preallocation mode");
        }
        if (o.has(Qcow2Driver.OPT_EXTENDED_L2) && o.bool(Qcow2Driver.OPT_EXTENDED_L2, false) != h.extendedL2()) {
            throw new NotSupportedException(s.filename(), "Toggling extended L2 entries is not supported");
        }
        if (o.has(Qcow2Driver.OPT_COMPRESSION_TYPE)
                && !o.string(Qcow2Driver.OPT_COMPRESSION_TYPE).orElseThrow().equals(node.codec.name())) {
            throw new NotSupportedException(s.filename(), "Changing the compression type is not supported");
        }
        if (o.has(Qcow2Driver.OPT_DATA_FILE) || o.has(Qcow2Driver.OPT_DATA_FILE_RAW)) {
            throw new NotSupportedException(s.filename(), "Changing the external data file is not supported");
        }
    }

    private void setLazy(boolean lazy) throws IOException {
        Qcow2Header h = s.header();
        if (lazy == h.lazyRefcounts()) {
            return;
        }
        long compat = lazy ? h.compatibleFeatures() | Qcow2Header.COMPAT_LAZY_REFCOUNTS
                : h.compatibleFeatures() & ~Qcow2Header.COMPAT_LAZY_REFCOUNTS;
        long incompat = lazy ? h.incompatibleFeatures() : h.incompatibleFeatures() & ~Qcow2Header.INCOMPAT_DIRTY;
        s.writeBackMetadata();
        s.writeHeader(h.withCompatible(compat).withIncompatible(incompat));
        s.file().flush();
    }

    /** A new refcount structure of the requested width, then the old one freed. */
    private void changeRefcountOrder(int order) throws IOException {
        ReferenceTally refs = Qcow2Check.tally(s);
        new RefcountRebuild(s).rebuild(refs, order);
        // The old structure is now unreferenced: free it as check -r leaks would.
        new Qcow2Check(s, dev.jimg.block.Checkable.Repair.LEAKS, line -> { }).run();
    }

    /**
     * compat=0.10: zero clusters do not exist in version 2, so each becomes unallocated (no
     * backing file) or a cluster of real zeroes; then the version 3 fields are dropped.
     */
    private void downgrade() throws IOException {
        Qcow2Header h = s.header();
        if (h.refcountOrder() != 4) {
            throw new ImageException(s.filename(), "compat=0.10 requires refcount_bits=16");
        }
        if (h.has(Qcow2Header.INCOMPAT_DATA_FILE)) {
            throw new NotSupportedException(s.filename(), "Cannot downgrade an image with a data file");
        }
        if (h.extendedL2()) {
            throw new NotSupportedException(s.filename(), "Cannot downgrade an image with extended L2 entries");
        }
        if (h.compressionType() != Qcow2Header.COMPRESSION_ZLIB) {
            throw new NotSupportedException(s.filename(), "Cannot downgrade an image with a compression type other"
                    + " than zlib");
        }
        if (h.nbSnapshots() > 0) {
            throw new NotSupportedException(s.filename(), "Cannot downgrade an image with internal snapshots"
                    + " (their zero clusters would need expanding too); delete them first");
        }
        expandZeroClusters();
        s.lock.lock();
        try {
            s.writeBackMetadata();
            Qcow2Header d = s.header().withVersion(2).withIncompatible(0).withCompatible(0).withAutoclear(0);
            s.writeHeader(d);
            s.file().flush();
        } finally {
            s.lock.unlock();
        }
    }

    private void expandZeroClusters() throws IOException {
        long size = s.header().size();
        boolean backing = node.backing().isPresent() || node.backingReference().isPresent();
        long pos = 0;
        while (pos < size) {
            ClusterMap.Run run = node.reader.lookup(pos, size - pos);
            long n = run.length();
            if (run.type() == L2Entry.Type.ZERO_PLAIN || run.type() == L2Entry.Type.ZERO_ALLOC) {
                if (!backing && run.type() == L2Entry.Type.ZERO_PLAIN) {
                    node.writer.discard(pos, n, true);
                } else {
                    long done = 0;
                    while (done < n) {
                        int chunk = (int) Math.min(n - done, 1 << 20);
                        node.writer.write(pos + done, ByteBuffer.allocate(chunk));
                        done += chunk;
                    }
                }
            }
            pos += n;
        }
        node.flushLocked();
    }
}
