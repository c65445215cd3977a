package dev.jimg.formats.container;

import dev.jimg.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import org.tukaani.xz.SeekableInputStream;

/**
 * A node read as a stream, for the codecs and the tar reader: an xz {@link SeekableInputStream}
 * (which is also a plain {@code InputStream}), and through {@link #channel} a read-only
 * {@link SeekableByteChannel}. Single-threaded, as streams are.
 */
final class BlockNodeInput extends SeekableInputStream {
    private final BlockNode node;
    private final long length;
    private long position;

    BlockNodeInput(BlockNode node) throws IOException {
        this.node = node;
        this.length = node.size();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        int n = (int) Math.min(len, length - position);
        node.read(position, ByteBuffer.wrap(b, off, n));
        position += n;
        return n;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public void seek(long pos) throws IOException {
        if (pos < 0) {
            throw new IOException(node.filename() + ": seek to negative position " + pos);
        }
        position = pos;
    }

    /** The node as a read-only seekable channel (commons-compress reads tar archives from one). */
    static SeekableByteChannel channel(BlockNode node) throws IOException {
        long size = node.size();
        return new SeekableByteChannel() {
            private long pos;
            private boolean open = true;

            @Override
            public int read(ByteBuffer dst) throws IOException {
                if (pos >= size) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), size - pos);
                node.read(pos, dst.slice(dst.position(), n));
                dst.position(dst.position() + n);
                pos += n;
                return n;
            }

            @Override
            public int write(ByteBuffer src) {
                throw new NonWritableChannelException();
            }

            @Override
            public long position() {
                return pos;
            }

            @Override
            public SeekableByteChannel position(long newPosition) {
                pos = newPosition;
                return this;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public SeekableByteChannel truncate(long s) {
                throw new NonWritableChannelException();
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            /** The node belongs to whoever opened it. */
            @Override
            public void close() {
                open = false;
            }
        };
    }
}
