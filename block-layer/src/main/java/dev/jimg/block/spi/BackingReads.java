package dev.jimg.block.spi;

import dev.jimg.block.BlockNode;
import dev.jimg.block.util.Buffers;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What a format with backing files reads where its own layer holds nothing. A backing file may
 * be shorter than the image that names it (the child was created larger, or grown after it was
 * linked); past its end, and everywhere when no backing node is open, the bytes read as zero, as
 * in QEMU.
 */
public final class BackingReads {

    private BackingReads() {
    }

    /**
     * Fills {@code dst} (from its position to its limit) with the bytes at {@code offset} of
     * {@code backing}, or {@code null} for none; its position ends at its limit.
     */
    public static void read(BlockNode backing, long offset, ByteBuffer dst) throws IOException {
        if (backing != null) {
            int inBacking = (int) Math.max(0, Math.min(dst.remaining(), backing.size() - offset));
            if (inBacking > 0) {
                backing.read(offset, dst.slice(dst.position(), inBacking));
                dst.position(dst.position() + inBacking);
            }
        }
        Buffers.fillZero(dst);
    }
}
