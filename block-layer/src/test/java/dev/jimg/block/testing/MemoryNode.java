package dev.jimg.block.testing;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Optional;

/**
 * A format node held in memory, for tests of code above the block layer (chain walks, convert,
 * device models): clusters of {@code granularity} bytes are allocated on first write, and
 * unallocated ranges fall through to an optional backing node.
 */
public final class MemoryNode implements BlockNode {
    private final String name;
    private final int granularity;
    private final BlockNode backing;
    private byte[] data;
    private final BitSet allocated = new BitSet();
    private final BitSet zero = new BitSet();
    private boolean readOnly;

    public MemoryNode(String name, long size, int granularity, BlockNode backing) {
        if (size > Integer.MAX_VALUE || size % granularity != 0) {
            throw new IllegalArgumentException("size must be a multiple of " + granularity + " below 2 GiB: " + size);
        }
        this.name = name;
        this.granularity = granularity;
        this.backing = backing;
        this.data = new byte[(int) size];
    }

    public MemoryNode(String name, long size) {
        this(name, size, 4096, null);
    }

    public MemoryNode readOnly() {
        readOnly = true;
        return this;
    }

    @Override
    public String formatName() {
        return "memory";
    }

    @Override
    public String filename() {
        return name;
    }

    @Override
    public synchronized long size() {
        return data.length;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws java.io.IOException {
        check(offset, dst.remaining());
        while (dst.hasRemaining()) {
            int cluster = (int) (offset / granularity);
            int inCluster = (int) (offset % granularity);
            int n = Math.min(dst.remaining(), granularity - inCluster);
            if (allocated.get(cluster)) {
                if (zero.get(cluster)) {
                    dst.put(new byte[n]);
                } else {
                    dst.put(data, (int) offset, n);
                }
            } else if (backing != null && offset < backing.size()) {
                int fromBacking = (int) Math.min(n, backing.size() - offset);
                ByteBuffer part = dst.slice(dst.position(), fromBacking);
                backing.read(offset, part);
                dst.position(dst.position() + fromBacking);
                dst.put(new byte[n - fromBacking]);
            } else {
                dst.put(new byte[n]);
            }
            offset += n;
        }
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws java.io.IOException {
        checkWritable();
        check(offset, src.remaining());
        while (src.hasRemaining()) {
            int cluster = (int) (offset / granularity);
            int inCluster = (int) (offset % granularity);
            int n = Math.min(src.remaining(), granularity - inCluster);
            materialize(cluster);
            src.get(data, (int) offset, n);
            offset += n;
        }
    }

    /** Copy-on-write: a partly written cluster first takes the contents it had. */
    private void materialize(int cluster) throws java.io.IOException {
        if (allocated.get(cluster) && !zero.get(cluster)) {
            return;
        }
        int start = cluster * granularity;
        ByteBuffer old = ByteBuffer.allocate(granularity);
        read(start, old);
        System.arraycopy(old.array(), 0, data, start, granularity);
        allocated.set(cluster);
        zero.clear(cluster);
    }

    @Override
    public synchronized void writeZeroes(long offset, long length, boolean mayUnmap) throws java.io.IOException {
        checkWritable();
        check(offset, length);
        long end = offset + length;
        while (offset < end) {
            int cluster = (int) (offset / granularity);
            int inCluster = (int) (offset % granularity);
            int n = (int) Math.min(end - offset, granularity - inCluster);
            if (n == granularity) {
                allocated.set(cluster);
                zero.set(cluster);
            } else {
                materialize(cluster);
                Arrays.fill(data, (int) offset, (int) offset + n, (byte) 0);
            }
            offset += n;
        }
    }

    @Override
    public synchronized void discard(long offset, long length) {
        checkWritable();
        check(offset, length);
        for (long pos = offset; pos + granularity <= offset + length; pos += granularity) {
            if (pos % granularity == 0) {
                allocated.clear((int) (pos / granularity));
                zero.clear((int) (pos / granularity));
            }
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public synchronized void resize(long newSize) {
        checkWritable();
        if (newSize % granularity != 0 || newSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bad size " + newSize);
        }
        int oldClusters = data.length / granularity;
        data = Arrays.copyOf(data, (int) newSize);
        allocated.clear((int) (newSize / granularity), Math.max(oldClusters, (int) (newSize / granularity)));
    }

    @Override
    public synchronized Extent blockStatus(long offset, long length) {
        check(offset, length);
        int cluster = (int) (offset / granularity);
        boolean alloc = allocated.get(cluster);
        boolean z = zero.get(cluster);
        long end = Math.min(offset + length, data.length);
        long pos = (long) (cluster + 1) * granularity;
        while (pos < end) {
            int c = (int) (pos / granularity);
            if (allocated.get(c) != alloc || zero.get(c) != z) {
                break;
            }
            pos += granularity;
        }
        long len = Math.min(pos, end) - offset;
        if (!alloc) {
            return Extent.unallocated(offset, len);
        }
        return z ? Extent.zero(offset, len) : Extent.data(offset, len, offset, name);
    }

    @Override
    public Optional<BlockNode> backing() {
        return Optional.ofNullable(backing);
    }

    @Override
    public boolean supportsBacking() {
        return true;
    }

    @Override
    public boolean hasZeroInit() {
        return backing == null;
    }

    @Override
    public void close() {
    }

    private void check(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new ImageException(name, "range " + offset + "+" + length + " outside " + data.length + " bytes");
        }
    }

    private void checkWritable() {
        if (readOnly) {
            throw new ImageException(name, "read-only");
        }
    }
}
