package dev.jimg.block;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Block status through a whole backing chain, as {@code qemu-img map} and {@code convert} see it:
 * a range the top node leaves unallocated is looked up in its backing node, and so on down; the
 * answer carries the depth of the node that decided it.
 */
public final class ChainStatus {
    private ChainStatus() {
    }

    /**
     * The status of the bytes at {@code offset}, at most {@code length} of them, through the chain
     * below {@code top}. Mirrors QEMU: a format that supports backing files reads unallocated ranges
     * without a backing node (or past the backing node's end) as zeroes.
     */
    public static Extent of(BlockNode top, long offset, long length) throws IOException {
        BlockNode node = top;
        int depth = 0;
        long len = length;
        while (true) {
            Extent e = node.blockStatus(offset, len);
            len = e.length();
            if ((e.flags() & (Extent.DATA | Extent.ZERO)) != 0) {
                return e.withDepth(depth);
            }
            Optional<BlockNode> backing = node.backing();
            if (node.supportsBacking()) {
                if (backing.isEmpty()) {
                    return e.withFlags(e.flags() | Extent.ZERO).withDepth(depth);
                }
                long backingSize = backing.get().size();
                if (offset >= backingSize) {
                    return e.withFlags(e.flags() | Extent.ZERO).withDepth(depth);
                }
                if (offset + len > backingSize) {
                    len = backingSize - offset;
                    e = e.truncated(len);
                }
            }
            if (backing.isEmpty()) {
                return new Extent(offset, len, 0, -1, null, depth);
            }
            node = backing.get();
            depth++;
        }
    }

    /**
     * The chain's status over {@code [offset, offset + length)} as maximal runs: consecutive
     * answers with the same status (and contiguous host offsets) are merged, as {@code map} prints.
     */
    public static List<Extent> map(BlockNode top, long offset, long length) throws IOException {
        List<Extent> out = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        Extent pending = null;
        while (pos < end) {
            Extent e = of(top, pos, end - pos);
            if (pending != null && pending.canMerge(e)) {
                pending = pending.merge(e);
            } else {
                if (pending != null) {
                    out.add(pending);
                }
                pending = e;
            }
            pos = e.end();
        }
        if (pending != null) {
            out.add(pending);
        }
        return out;
    }
}
