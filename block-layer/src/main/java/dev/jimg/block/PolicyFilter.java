package dev.jimg.block;

import dev.jimg.block.util.ZeroDetector;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Applies the open options that QEMU's generic block layer applies above every format:
 * {@code discard=ignore} drops discards, {@code detect-zeroes} turns all-zero writes into
 * zero writes (may-unmap with {@code detect-zeroes=unmap} and {@code discard=unmap}).
 */
final class PolicyFilter extends FilterNode {
    private final OpenOptions options;

    private PolicyFilter(BlockNode inner, OpenOptions options) {
        super(inner);
        this.options = options;
    }

    static BlockNode wrapIfNeeded(BlockNode node, OpenOptions options) {
        if (options.discard() == DiscardMode.UNMAP && options.detectZeroes() == DetectZeroes.OFF) {
            return node;
        }
        return new PolicyFilter(node, options);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (options.detectZeroes() != DetectZeroes.OFF && ZeroDetector.isZero(src)) {
            boolean unmap = options.detectZeroes() == DetectZeroes.UNMAP && options.discard() == DiscardMode.UNMAP;
            int length = src.remaining();
            inner.writeZeroes(offset, length, unmap);
            src.position(src.limit());
            return;
        }
        inner.write(offset, src);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (options.discard() == DiscardMode.UNMAP) {
            inner.discard(offset, length);
        }
    }
}
