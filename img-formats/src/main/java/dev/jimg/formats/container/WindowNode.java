package dev.jimg.formats.container;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.util.Buffers;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes {@code [offset, offset + length)} of another node, as a file of their own: a member
 * of a tar archive, read in place. Does not own the node beneath (the archive's node outlives
 * it); host offsets in block status stay relative to the window, since the format above names
 * offsets within its own file.
 */
final class WindowNode extends ReadOnlyNode {
    private final BlockNode base;
    private final long offset;
    private final long length;

    WindowNode(BlockNode base, long offset, long length, String name) {
        super(name);
        this.base = base;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public String formatName() {
        return "file";
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkOffset(filename(), pos);
        int inside = (int) Math.max(0, Math.min(dst.remaining(), length - pos));
        if (inside > 0) {
            base.read(offset + pos, dst.slice(dst.position(), inside));
            dst.position(dst.position() + inside);
        }
        Buffers.fillZero(dst);
    }

    @Override
    public Extent blockStatus(long pos, long len) throws IOException {
        checkOffset(filename(), pos);
        if (pos >= length) {
            return new Extent(pos, len, Extent.ZERO | Extent.ALLOCATED, pos, filename(), 0);
        }
        Extent e = base.blockStatus(offset + pos, Math.min(len, length - pos));
        return new Extent(pos, e.length(), e.flags(), e.hasHostOffset() ? pos : -1, filename(), 0);
    }

    @Override
    public long allocatedBytes() {
        return length;
    }

    /** The archive stays open: its owner closes it. */
    @Override
    public void close() {
    }
}
