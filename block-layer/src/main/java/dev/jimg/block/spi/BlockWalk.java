package dev.jimg.block.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Cuts a guest request at block boundaries, for the formats whose address space is a row of
 * equal blocks each mapped on its own (VDI's blocks, VHD's and VHDX's payload blocks): a piece
 * that stays inside one block is served by one map entry, so the driver's per-block code never
 * sees a request that spans two.
 */
public final class BlockWalk {

    /** Serves one piece of a buffer request. */
    @FunctionalInterface
    public interface BufferPiece {
        /**
         * @param block   the block index
         * @param inBlock where the piece starts within the block
         * @param piece   a slice of the request's buffer covering the piece; its position need not
         *                advance, the walk moves the request's buffer on by the whole slice
         */
        void accept(long block, long inBlock, ByteBuffer piece) throws IOException;
    }

    /** Serves one piece of a request without a buffer (write zeroes, discard). */
    @FunctionalInterface
    public interface RangePiece {
        void accept(long block, long inBlock, long length) throws IOException;
    }

    /** Where a block starts in the image file, or -1 if the file holds nothing for it. */
    @FunctionalInterface
    public interface HostBlock {
        long hostOffset(long block) throws IOException;
    }

    /** Acts on a range of the image file. */
    @FunctionalInterface
    public interface HostRange {
        void apply(long hostOffset, long length) throws IOException;
    }

    private BlockWalk() {
    }

    /**
     * Calls {@code piece} for each part of {@code buf} (from its position to its limit) that
     * lies in one block, in order, the first at guest offset {@code offset}. Afterwards the
     * buffer's position is at its limit.
     */
    public static void forEachBlock(long offset, ByteBuffer buf, long blockSize, BufferPiece piece)
            throws IOException {
        long pos = offset;
        while (buf.hasRemaining()) {
            long inBlock = pos % blockSize;
            int n = (int) Math.min(buf.remaining(), blockSize - inBlock);
            piece.accept(pos / blockSize, inBlock, buf.slice(buf.position(), n));
            buf.position(buf.position() + n);
            pos += n;
        }
    }

    /** Calls {@code piece} for each part of {@code [offset, offset + length)} that lies in one block, in order. */
    public static void forEachBlock(long offset, long length, long blockSize, RangePiece piece) throws IOException {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long inBlock = pos % blockSize;
            long n = Math.min(end - pos, blockSize - inBlock);
            piece.accept(pos / blockSize, inBlock, n);
            pos += n;
        }
    }

    /**
     * Calls {@code action} with the file range behind each part of {@code [offset, offset + length)}
     * whose block the file holds, skipping the blocks it does not: what a write of zeroes or a
     * discard does to a format whose absent blocks already read as zero.
     */
    public static void forEachMapped(long offset, long length, long blockSize, HostBlock map, HostRange action)
            throws IOException {
        forEachBlock(offset, length, blockSize, (block, inBlock, n) -> {
            long host = map.hostOffset(block);
            if (host >= 0) {
                action.apply(host + inBlock, n);
            }
        });
    }
}
