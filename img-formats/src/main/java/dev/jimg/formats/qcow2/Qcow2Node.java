package dev.jimg.formats.qcow2;

import dev.jimg.block.Amendable;
import dev.jimg.block.BackingFileChange;
import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.Extent;
import dev.jimg.block.FormatSpecific;
import dev.jimg.block.ImageException;
import dev.jimg.block.MakeEmpty;
import dev.jimg.block.ProgressListener;
import dev.jimg.block.SnapshotInfo;
import dev.jimg.block.Snapshots;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.spi.RequestChecks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * An open qcow2 image. Requests pass a read-write "gate": ordinary I/O holds it shared, operations
 * that restructure the whole image (snapshots, resize, amend, check) hold it exclusively, so they
 * never see a request half done.
 */
final class Qcow2Node implements BlockNode, FormatSpecific, CompressedWrites, BackingFileChange, MakeEmpty, Checkable,
        Snapshots, Amendable {
    final Qcow2State s;
    final DataReader reader;
    final DataWriter writer;
    final Compression codec;
    final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final String filename;
    private volatile BackingReference backingRef;
    private volatile BlockNode backing;
    private final boolean ownsDataFile;
    private volatile boolean closed;

    Qcow2Node(Qcow2State s, String filename, BlockNode backing, BackingReference backingRef, boolean ownsDataFile) {
        this.s = s;
        this.filename = filename;
        this.codec = Compression.forType(s.header().compressionType());
        this.reader = new DataReader(s, codec, backing);
        this.writer = new DataWriter(s, reader, () -> s.header().size());
        this.backing = backing;
        this.backingRef = backingRef;
        this.ownsDataFile = ownsDataFile;
    }

    @Override
    public String formatName() {
        return Qcow2Driver.NAME;
    }

    @Override
    public String filename() {
        return filename;
    }

    @Override
    public long size() {
        return s.header().size();
    }

    @Override
    public boolean isReadOnly() {
        return s.readOnly();
    }

    private void checkRange(long offset, long length) {
        RequestChecks.checkRange(filename, offset, length, size());
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(filename + " is closed");
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkOpen();
        checkRange(offset, dst.remaining());
        gate.readLock().lock();
        try {
            reader.read(offset, dst);
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkOpen();
        checkRange(offset, src.remaining());
        s.requireWritable();
        gate.readLock().lock();
        try {
            writer.write(offset, src);
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        checkOpen();
        checkRange(offset, length);
        s.requireWritable();
        gate.readLock().lock();
        try {
            writer.writeZeroes(offset, length, mayUnmap);
            if (s.header().dataFileRaw()) {
                s.dataFile().writeZeroes(offset, length, mayUnmap);
            }
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        checkOpen();
        checkRange(offset, length);
        s.requireWritable();
        gate.readLock().lock();
        try {
            writer.discard(offset, length, false);
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        checkOpen();
        if (s.readOnly()) {
            return;
        }
        gate.readLock().lock();
        try {
            flushLocked();
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Writes back metadata and syncs both files. */
    void flushLocked() throws IOException {
        if (s.hasExternalData()) {
            s.dataFile().flush();
        }
        s.lock.lock();
        try {
            s.writeBackMetadata();
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public void resize(long newSize) throws IOException {
        checkOpen();
        s.requireWritable();
        gate.writeLock().lock();
        try {
            new Qcow2Resize(this).resize(newSize);
        } finally {
            gate.writeLock().unlock();
        }
    }

    @Override
    public Extent blockStatus(long offset, long length) throws IOException {
        checkOpen();
        long len = RequestChecks.statusLength(filename, offset, length, size());
        ClusterMap.Run run;
        gate.readLock().lock();
        try {
            run = reader.lookup(offset, len);
        } finally {
            gate.readLock().unlock();
        }
        String host = s.dataFile().filename();
        return switch (run.type()) {
            case UNALLOCATED -> Extent.unallocated(offset, run.length());
            case ZERO_PLAIN -> Extent.zero(offset, run.length());
            case ZERO_ALLOC -> new Extent(offset, run.length(), Extent.ZERO | Extent.ALLOCATED, run.hostOffset(), host, 0);
            case NORMAL -> Extent.data(offset, run.length(), run.hostOffset(), host);
            case COMPRESSED -> new Extent(offset, run.length(), Extent.DATA | Extent.ALLOCATED | Extent.COMPRESSED,
                    -1, null, 0);
        };
    }

    @Override
    public Optional<BlockNode> backing() {
        return Optional.ofNullable(backing);
    }

    @Override
    public Optional<BackingReference> backingReference() {
        return Optional.ofNullable(backingRef);
    }

    @Override
    public boolean supportsBacking() {
        return true;
    }

    @Override
    public Optional<BlockNode> file() {
        return Optional.of(s.file());
    }

    @Override
    public long allocatedBytes() throws IOException {
        long n = s.file().allocatedBytes();
        if (s.hasExternalData() && n >= 0) {
            long d = s.dataFile().allocatedBytes();
            return d >= 0 ? n + d : n;
        }
        return n;
    }

    @Override
    public OptionalInt clusterSize() {
        return OptionalInt.of(s.geometry().clusterSize());
    }

    @Override
    public boolean isDirty() {
        return s.header().has(Qcow2Header.INCOMPAT_DIRTY);
    }

    /** QEMU's {@code qcow2_has_zero_init}: true unless a backing file (or a raw data file that is not zeroed) shows through. */
    @Override
    public boolean hasZeroInit() {
        if (backing != null || backingRef != null) {
            return false;
        }
        if (s.hasExternalData() && s.header().dataFileRaw()) {
            return s.dataFile().hasZeroInit();
        }
        return true;
    }

    // ---------------------------------------------------------------- FormatSpecific

    @Override
    public String formatSpecificType() {
        return Qcow2Driver.NAME;
    }

    /** The keys and order of qemu-img 7.2's {@code ImageInfoSpecificQCow2}. */
    @Override
    public Map<String, Object> formatSpecificData() {
        Qcow2Header h = s.header();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("compat", h.version() == 3 ? "1.1" : "0.10");
        m.put("compression-type", codec.name());
        if (h.version() == 3) {
            m.put("lazy-refcounts", h.lazyRefcounts());
        }
        if (h.version() == 3 && h.bitmapsExtension() != null
                && (h.autoclearFeatures() & Qcow2Header.AUTOCLEAR_BITMAPS) != 0) {
            m.put("bitmaps", BitmapDirectory.describe(s));
        }
        m.put("refcount-bits", h.refcountBits());
        if (h.dataFile() != null) {
            m.put("data-file", h.dataFile());
            m.put("data-file-raw", h.dataFileRaw());
        }
        if (h.version() == 3) {
            m.put("corrupt", h.has(Qcow2Header.INCOMPAT_CORRUPT));
            m.put("extended-l2", h.extendedL2());
        }
        return m;
    }

    // ---------------------------------------------------------------- CompressedWrites

    @Override
    public int compressionUnit() {
        return s.geometry().clusterSize();
    }

    /** QEMU keeps a cluster uncompressed unless it shrinks to at most {@code cluster_size - 1} bytes. */
    @Override
    public byte[] compress(ByteBuffer unit) {
        if (unit.remaining() > compressionUnit()) {
            throw new IllegalArgumentException("compression unit is " + compressionUnit() + " bytes, got "
                    + unit.remaining());
        }
        ByteBuffer full = unit;
        if (unit.remaining() < compressionUnit()) {
            // The last cluster of an image may be partial: QEMU compresses it padded with zeroes.
            full = ByteBuffer.allocate(compressionUnit());
            full.put(unit.duplicate());
            full.position(0);
        }
        return codec.compress(full, compressionUnit() - 1);
    }

    @Override
    public void writeCompressed(long offset, byte[] compressed) throws IOException {
        checkOpen();
        s.requireWritable();
        if ((offset & s.geometry().clusterMask()) != 0) {
            throw new ImageException(filename, "Compressed write at " + offset + " is not cluster aligned");
        }
        checkRange(offset, Math.min(compressionUnit(), size() - offset));
        if (s.hasExternalData()) {
            throw new ImageException(filename, "Compression is not supported with an external data file");
        }
        gate.readLock().lock();
        try {
            writer.writeCompressed(offset, compressed, compressed.length);
        } finally {
            gate.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- BackingFileChange, MakeEmpty

    @Override
    public void changeBackingFile(String name, String format) throws IOException {
        checkOpen();
        s.requireWritable();
        gate.writeLock().lock();
        try {
            s.lock.lock();
            try {
                s.writeBackMetadata();
                s.writeHeader(s.header().withBacking(name, format));
                s.file().flush();
            } finally {
                s.lock.unlock();
            }
            backingRef = name == null ? null
                    : new BackingReference(name, Qcow2Driver.combine(filename, name), Optional.ofNullable(format));
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Installs a newly opened backing node (after a safe rebase), closing the previous one. */
    void replaceBacking(BlockNode node) throws IOException {
        BlockNode old = backing;
        backing = node;
        reader.setBacking(node);
        if (old != null && old != node) {
            old.close();
        }
    }

    @Override
    public void makeEmpty() throws IOException {
        checkOpen();
        s.requireWritable();
        gate.writeLock().lock();
        try {
            writer.discard(0, size(), true);
            flushLocked();
        } finally {
            gate.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- Checkable, Snapshots, Amendable

    @Override
    public CheckResult check(Repair repair, Consumer<String> report) throws IOException {
        checkOpen();
        if (repair != Repair.NONE && s.readOnly()) {
            throw new ImageException(filename, "Cannot repair an image opened read-only");
        }
        gate.writeLock().lock();
        try {
            CheckResult r = new Qcow2Check(s, repair, report).run();
            if (repair != Repair.NONE && r.corruptions() == 0 && r.checkErrors() == 0) {
                s.clearCorruption();
            }
            return r;
        } finally {
            gate.writeLock().unlock();
        }
    }

    @Override
    public List<SnapshotInfo> list() throws IOException {
        checkOpen();
        gate.readLock().lock();
        s.lock.lock();
        try {
            return new Qcow2Snapshots(s).list();
        } finally {
            s.lock.unlock();
            gate.readLock().unlock();
        }
    }

    @Override
    public SnapshotInfo create(String name) throws IOException {
        return snapshotOp(() -> new Qcow2Snapshots(s).create(name));
    }

    @Override
    public void apply(String idOrName) throws IOException {
        snapshotOp(() -> {
            new Qcow2Snapshots(s).apply(idOrName);
            return null;
        });
    }

    @Override
    public void delete(String idOrName) throws IOException {
        snapshotOp(() -> {
            new Qcow2Snapshots(s).delete(idOrName);
            return null;
        });
    }

    private interface SnapshotOp<T> {
        T run() throws IOException;
    }

    private <T> T snapshotOp(SnapshotOp<T> op) throws IOException {
        checkOpen();
        s.requireWritable();
        gate.writeLock().lock();
        s.lock.lock();
        try {
            return op.run();
        } finally {
            s.lock.unlock();
            gate.writeLock().unlock();
        }
    }

    @Override
    public void amend(ImageOptions options, ProgressListener progress) throws IOException {
        checkOpen();
        s.requireWritable();
        gate.writeLock().lock();
        try {
            new Qcow2Amend(this).amend(options, progress);
        } finally {
            gate.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        gate.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = null;
            try {
                if (!s.readOnly() && s.corruptReason() == null) {
                    flushLocked();
                    markClean();
                }
            } catch (IOException e) {
                failure = e;
            } finally {
                failure = closeQuietly(backing, failure);
                if (ownsDataFile) {
                    failure = closeQuietly(s.dataFile(), failure);
                }
                failure = closeQuietly(s.file(), failure);
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Clears the dirty bit lazy refcounts set, once everything is on disk (QEMU's {@code qcow2_mark_clean}). */
    private void markClean() throws IOException {
        Qcow2Header h = s.header();
        if (h.has(Qcow2Header.INCOMPAT_DIRTY)) {
            s.lock.lock();
            try {
                s.writeHeader(h.withIncompatible(h.incompatibleFeatures() & ~Qcow2Header.INCOMPAT_DIRTY));
                s.file().flush();
            } finally {
                s.lock.unlock();
            }
        }
    }

    private static IOException closeQuietly(BlockNode node, IOException failure) {
        if (node == null) {
            return failure;
        }
        try {
            node.close();
        } catch (IOException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    @Override
    public String toString() {
        return "qcow2:" + filename;
    }
}
