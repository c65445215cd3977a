package dev.jimg.formats.qcow2;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What every part of an open qcow2 image shares: the files, the current header, the geometry, the
 * two metadata caches and the lock that serialises metadata changes (QEMU's {@code BDRVQcow2State}
 * and its {@code s->lock}).
 *
 * <p><b>Locking.</b> {@link #lock} guards the header, the L1 table, both caches, the refcounts
 * and the allocator. Guest data is read and written outside it; requests that change the mapping
 * of a guest cluster also hold that cluster in the image's {@link GuestRangeLocks}, so the host
 * cluster a request writes to cannot be freed or reallocated under it.
 */
final class Qcow2State {
    private final String filename;
    private final BlockNode file;
    private final boolean readOnly;
    private final Geometry geometry;
    final ReentrantLock lock = new ReentrantLock();
    private volatile Qcow2Header header;
    private BlockNode dataFile;
    private MetadataCache l2Cache;
    private MetadataCache refcountCache;
    private Refcounts refcounts;
    private ClusterMap map;
    /** Corruption was found in this session: writes are refused from now on. */
    private volatile String corruptReason;

    Qcow2State(String filename, BlockNode file, boolean readOnly, Qcow2Header header) {
        this.filename = filename;
        this.file = file;
        this.readOnly = readOnly;
        this.header = header;
        this.geometry = new Geometry(header.clusterBits(), header.extendedL2(), header.version(),
                header.has(Qcow2Header.INCOMPAT_DATA_FILE));
        this.dataFile = file;
    }

    /** Sets up the caches, refcounts and cluster map; called once by the opener. */
    void init(int l2CacheEntries, int refcountCacheEntries) throws IOException {
        l2Cache = new MetadataCache("L2 table", file, geometry.clusterSize(), l2CacheEntries);
        refcountCache = new MetadataCache("refcount block", file, geometry.clusterSize(), refcountCacheEntries);
        refcounts = new Refcounts(this, refcountCache);
        refcounts.load(header);
        map = new ClusterMap(this);
        map.load(header);
    }

    String filename() {
        return filename;
    }

    /** The qcow2 file itself: header and metadata, and the data unless there is an external data file. */
    BlockNode file() {
        return file;
    }

    /** Where data clusters live: the external data file, or the image file. */
    BlockNode dataFile() {
        return dataFile;
    }

    void setDataFile(BlockNode node) {
        this.dataFile = node;
    }

    boolean hasExternalData() {
        return dataFile != file;
    }

    boolean readOnly() {
        return readOnly;
    }

    Geometry geometry() {
        return geometry;
    }

    Qcow2Header header() {
        return header;
    }

    MetadataCache l2Cache() {
        return l2Cache;
    }

    MetadataCache refcountCache() {
        return refcountCache;
    }

    Refcounts refcounts() {
        return refcounts;
    }

    ClusterMap map() {
        return map;
    }

    /** Lazy refcounts in effect: the dirty bit is set and refcounts may lag behind L2 tables. */
    boolean refcountsMayLag() {
        return header.has(Qcow2Header.INCOMPAT_DIRTY);
    }

    /**
     * Writes {@code h} as the new header (the whole header cluster). Does not flush: callers
     * order it with the writes it publishes.
     */
    void writeHeader(Qcow2Header h) throws IOException {
        byte[] bytes = h.encode();
        file.write(0, ByteBuffer.wrap(bytes));
        header = h;
    }

    void requireWritable() {
        if (readOnly) {
            throw new ImageException(filename, "Cannot write: the image is open read-only");
        }
        String reason = corruptReason;
        if (reason != null) {
            throw new CorruptImageException(filename, "Image is corrupt; cannot be written (" + reason + ")");
        }
    }

    /** Marks the image as found corrupt when opened (the header's corrupt bit): writes are refused until repaired. */
    void markCorruptOnOpen() {
        corruptReason = "the corrupt bit is set; repair the image with check -r all";
    }

    /** After a repair left no corruption. */
    void clearCorruption() {
        corruptReason = null;
    }

    String corruptReason() {
        return corruptReason;
    }

    /**
     * QEMU's {@code qcow2_signal_corruption}: metadata found inconsistent during I/O marks the
     * image corrupt (on disk, when writable) so neither jimg nor QEMU writes to it again until it
     * is repaired. Returns the exception for the caller to throw.
     */
    CorruptImageException corruption(String message) {
        boolean first = corruptReason == null;
        corruptReason = message;
        if (first && !readOnly) {
            try {
                Qcow2Header h = header;
                if (h.version() >= 3 && !h.has(Qcow2Header.INCOMPAT_CORRUPT)) {
                    writeHeader(h.withIncompatible(h.incompatibleFeatures() | Qcow2Header.INCOMPAT_CORRUPT));
                    file.flush();
                }
            } catch (IOException | RuntimeException e) {
                CorruptImageException ex = new CorruptImageException(filename, "Marking image as corrupt: " + message
                        + " (and the corrupt bit could not be written: " + e.getMessage() + ")", e);
                return ex;
            }
            return new CorruptImageException(filename, "Marking image as corrupt: " + message
                    + "; further corruption events will be suppressed");
        }
        return new CorruptImageException(filename, "Image is corrupt: " + message);
    }

    /**
     * Writes all dirty metadata in dependency order and flushes: refcount blocks and L2 tables
     * reach the disk before this returns.
     */
    void writeBackMetadata() throws IOException {
        if (l2Cache.hasDependency()) {
            l2Cache.writeBack();
            refcountCache.writeBack();
        } else {
            refcountCache.writeBack();
            l2Cache.writeBack();
        }
        file.flush();
    }
}
