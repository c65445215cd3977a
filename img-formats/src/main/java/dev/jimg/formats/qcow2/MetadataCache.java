package dev.jimg.formats.qcow2;

import dev.jimg.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A write-back cache of metadata clusters (L2 tables or refcount blocks) with a size cap, QEMU's
 * {@code Qcow2Cache}. Not thread-safe: every call happens under the image's metadata lock.
 *
 * <p><b>Ordering.</b> A cache may depend on another: before any of its dirty clusters is written,
 * the other cache is written and the file flushed. The driver uses this to keep the on-disk image
 * consistent at every instant: refcount blocks that account for a new cluster reach the disk before
 * the L2 entry pointing to it (a crash leaks the cluster, never double-uses it), and an L2 entry
 * that drops a reference reaches the disk before the refcount that frees the cluster.
 */
final class MetadataCache {
    /** Two tables may be held at once (an L2 table and its copy), so never go below a few entries. */
    static final int MIN_ENTRIES = 4;

    private final String name;
    private final BlockNode file;
    private final int clusterSize;
    private final int capacity;
    /** Access-ordered: iteration starts at the least recently used entry. */
    private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private MetadataCache dependency;
    private boolean flushFileFirst;

    private static final class Entry {
        final byte[] data;
        boolean dirty;

        Entry(byte[] data) {
            this.data = data;
        }
    }

    MetadataCache(String name, BlockNode file, int clusterSize, int capacity) {
        this.name = name;
        this.file = file;
        this.clusterSize = clusterSize;
        this.capacity = Math.max(MIN_ENTRIES, capacity);
    }

    int capacity() {
        return capacity;
    }

    /** The cluster at {@code offset}, read from the file if not cached. Callers may modify it and then call {@link #markDirty}. */
    byte[] get(long offset) throws IOException {
        Entry e = entries.get(offset);
        if (e == null) {
            byte[] data = new byte[clusterSize];
            file.read(offset, ByteBuffer.wrap(data));
            e = insert(offset, data);
        }
        return e.data;
    }

    /** Whether the cluster at {@code offset} is held (possibly not yet written to the file). */
    boolean contains(long offset) {
        return entries.containsKey(offset);
    }

    /** A fresh all-zero cluster at {@code offset} (a newly allocated table), already dirty. */
    byte[] create(long offset) throws IOException {
        Entry e = entries.get(offset);
        if (e != null) {
            java.util.Arrays.fill(e.data, (byte) 0);
        } else {
            e = insert(offset, new byte[clusterSize]);
        }
        e.dirty = true;
        return e.data;
    }

    void markDirty(long offset) {
        Entry e = entries.get(offset);
        if (e == null) {
            throw new IllegalStateException(name + " cache: cluster at " + offset + " was evicted while in use");
        }
        e.dirty = true;
    }

    /** Forgets a cluster that is being freed; its pending changes are dropped. */
    void drop(long offset) {
        entries.remove(offset);
    }

    /** Forgets everything (after the tables were rebuilt elsewhere). Pending changes are dropped. */
    void dropAll() {
        entries.clear();
        dependency = null;
        flushFileFirst = false;
    }

    /**
     * Makes this cache write {@code other} (and flush the file) before its own dirty clusters. A
     * cycle is broken as QEMU breaks it: by writing out the cache that would close it.
     */
    void dependOn(MetadataCache other) throws IOException {
        if (other.dependency != null) {
            other.writeDependency();
        }
        if (dependency != null && dependency != other) {
            writeDependency();
        }
        dependency = other;
    }

    /** Makes the next write-back flush the file first (data written for new clusters must land before they are mapped). */
    void dependOnFileFlush() {
        flushFileFirst = true;
    }

    boolean hasDependency() {
        return dependency != null;
    }

    private void writeDependency() throws IOException {
        MetadataCache d = dependency;
        dependency = null;
        d.writeBack();
        file.flush();
    }

    /** Writes every dirty cluster (after what this cache depends on), in offset order. Does not flush the file. */
    void writeBack() throws IOException {
        if (dependency != null) {
            writeDependency();
        }
        List<Map.Entry<Long, Entry>> dirty = new ArrayList<>();
        for (Map.Entry<Long, Entry> e : entries.entrySet()) {
            if (e.getValue().dirty) {
                dirty.add(e);
            }
        }
        if (dirty.isEmpty()) {
            return;
        }
        if (flushFileFirst) {
            file.flush();
            flushFileFirst = false;
        }
        // A plain lambda: comparingByKey's is serialisable, which the AOT cache cannot hold, so it
        // would be generated at run time.
        dirty.sort((a, b) -> Long.compare(a.getKey(), b.getKey()));
        for (Map.Entry<Long, Entry> e : dirty) {
            file.write(e.getKey(), ByteBuffer.wrap(e.getValue().data));
            e.getValue().dirty = false;
        }
    }

    private Entry insert(long offset, byte[] data) throws IOException {
        if (entries.size() >= capacity) {
            evictOne();
        }
        Entry e = new Entry(data);
        entries.put(offset, e);
        return e;
    }

    private void evictOne() throws IOException {
        Iterator<Map.Entry<Long, Entry>> it = entries.entrySet().iterator();
        Map.Entry<Long, Entry> lru = it.next();
        if (lru.getValue().dirty) {
            writeBack();
        }
        entries.remove(lru.getKey());
    }
}
