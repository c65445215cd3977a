package dev.jimg.formats.container;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.Extent;
import dev.jimg.block.util.Buffers;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import org.tukaani.xz.SeekableXZInputStream;
import org.tukaani.xz.XZIOException;

/**
 * An xz file of several blocks ({@code xz -T0}, {@code --block-size}), read in place: the index
 * at the end of the file tells where each block starts, so a read decompresses only from the
 * start of its block. No cache is needed.
 *
 * <p>The decoder is a single stream; reads take turns on {@link #lock}.
 */
final class SeekableXzNode extends ReadOnlyNode {
    private final BlockNode source;
    private final SeekableXZInputStream xz;
    private final long size;
    private final ReentrantLock lock = new ReentrantLock();

    SeekableXzNode(BlockNode source, SeekableXZInputStream xz) {
        super(source.filename());
        this.source = source;
        this.xz = xz;
        this.size = xz.length();
    }

    @Override
    public String formatName() {
        return Codec.XZ.driverName();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkOffset(filename(), pos);
        int inside = (int) Math.max(0, Math.min(dst.remaining(), size - pos));
        if (inside > 0) {
            byte[] b = new byte[inside];
            lock.lock();
            try {
                xz.seek(pos);
                int done = 0;
                while (done < inside) {
                    int n = xz.read(b, done, inside - done);
                    if (n < 0) {
                        throw new EOFException("xz data ends at " + (pos + done) + " of " + size);
                    }
                    done += n;
                }
            } catch (EOFException | XZIOException e) {
                throw new CorruptImageException(filename(), "xz data is damaged or truncated: " + e.getMessage(), e);
            } finally {
                lock.unlock();
            }
            dst.put(b);
        }
        Buffers.fillZero(dst);
    }

    /** Everything is data without a plain host location: finding zeros would mean decompressing. */
    @Override
    public Extent blockStatus(long pos, long length) {
        checkOffset(filename(), pos);
        if (pos >= size) {
            return new Extent(pos, length, Extent.ZERO | Extent.ALLOCATED, -1, null, 0);
        }
        return new Extent(pos, Math.min(length, size - pos), Extent.DATA | Extent.ALLOCATED | Extent.COMPRESSED, -1,
                null, 0);
    }

    @Override
    public long allocatedBytes() throws IOException {
        return source.allocatedBytes();
    }

    @Override
    public void close() throws IOException {
        try {
            xz.close();
        } finally {
            source.close();
        }
    }
}
