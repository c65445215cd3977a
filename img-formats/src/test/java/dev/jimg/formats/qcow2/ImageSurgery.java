package dev.jimg.formats.qcow2;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/** Deliberate damage to a qcow2 file, for check tests: reads and patches header fields and table entries. */
final class ImageSurgery implements AutoCloseable {
    private final RandomAccessFile f;

    ImageSurgery(Path path) throws IOException {
        this.f = new RandomAccessFile(path.toFile(), "rw");
    }

    long u64(long at) throws IOException {
        f.seek(at);
        return f.readLong();
    }

    int u32(long at) throws IOException {
        f.seek(at);
        return f.readInt();
    }

    void put64(long at, long v) throws IOException {
        f.seek(at);
        f.writeLong(v);
    }

    void put32(long at, int v) throws IOException {
        f.seek(at);
        f.writeInt(v);
    }

    int clusterSize() throws IOException {
        return 1 << u32(20);
    }

    /** File offset of L2 entry {@code index} of the L2 table of L1 entry {@code l1Index}. */
    long l2EntryAt(int l1Index, int index) throws IOException {
        long l1 = u64(40);
        long l2 = u64(l1 + 8L * l1Index) & L2Entry.OFFSET_MASK;
        return l2 + 8L * index;
    }

    /** File offset of the 16-bit refcount of host cluster {@code cluster} (refcount_bits=16, first refcount block). */
    long refcountAt(long cluster) throws IOException {
        long table = u64(48);
        long block = u64(table) & ~0x1ffL;
        return block + 2 * cluster;
    }

    void putRefcount(long cluster, int value) throws IOException {
        f.seek(refcountAt(cluster));
        f.writeShort(value);
    }

    void setLength(long n) throws IOException {
        f.setLength(n);
    }

    long length() throws IOException {
        return f.length();
    }

    @Override
    public void close() throws IOException {
        f.close();
    }
}
