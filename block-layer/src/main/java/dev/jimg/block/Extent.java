package dev.jimg.block;

/**
 * What a node knows about a run of guest bytes: one answer of {@link BlockNode#blockStatus}.
 *
 * <p>The flags follow QEMU's {@code BDRV_BLOCK_*} bits, because {@code map} prints exactly them:
 * <ul>
 *   <li>{@link #DATA} — the bytes are stored (they may still happen to be zero);
 *   <li>{@link #ZERO} — the bytes read as zero;
 *   <li>{@link #ALLOCATED} — this node decides the contents; when clear, a read falls through to
 *       the backing node;
 *   <li>{@link #COMPRESSED} — stored compressed, so {@link #hostOffset} is not a plain mapping.
 * </ul>
 *
 * @param offset     guest offset of the first byte
 * @param length     number of bytes with this status; always positive
 * @param flags      a combination of the flag constants
 * @param hostOffset where the bytes live in {@link #hostFile}, or {@code -1} when they have no
 *                   plain host location (holes, zero clusters, compressed clusters)
 * @param hostFile   the file holding the bytes, as {@code map} names it, or {@code null}
 * @param depth      how many backing links were followed to reach the node that answered
 */
public record Extent(long offset, long length, int flags, long hostOffset, String hostFile, int depth) {
    public static final int DATA = 1;
    public static final int ZERO = 1 << 1;
    public static final int ALLOCATED = 1 << 2;
    public static final int COMPRESSED = 1 << 3;

    public Extent {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("extent needs offset >= 0 and length > 0, got offset="
                    + offset + " length=" + length);
        }
        if (hostOffset < -1) {
            throw new IllegalArgumentException("hostOffset must be -1 or >= 0, got " + hostOffset);
        }
    }

    /** Stored data at {@code hostOffset} in {@code hostFile}. */
    public static Extent data(long offset, long length, long hostOffset, String hostFile) {
        return new Extent(offset, length, DATA | ALLOCATED, hostOffset, hostFile, 0);
    }

    /** Bytes this node defines as zero without storing them. */
    public static Extent zero(long offset, long length) {
        return new Extent(offset, length, ZERO | ALLOCATED, -1, null, 0);
    }

    /** Bytes this node does not define; they come from the backing node (or read as zero). */
    public static Extent unallocated(long offset, long length) {
        return new Extent(offset, length, 0, -1, null, 0);
    }

    public boolean isData() {
        return (flags & DATA) != 0;
    }

    public boolean isZero() {
        return (flags & ZERO) != 0;
    }

    public boolean isAllocated() {
        return (flags & ALLOCATED) != 0;
    }

    public boolean isCompressed() {
        return (flags & COMPRESSED) != 0;
    }

    public boolean hasHostOffset() {
        return hostOffset >= 0;
    }

    public long end() {
        return offset + length;
    }

    /** The same status for a shorter run: the first {@code newLength} bytes. */
    public Extent truncated(long newLength) {
        if (newLength <= 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate extent of " + length + " bytes to " + newLength);
        }
        return new Extent(offset, newLength, flags, hostOffset, hostFile, depth);
    }

    public Extent withDepth(int newDepth) {
        return newDepth == depth ? this : new Extent(offset, length, flags, hostOffset, hostFile, newDepth);
    }

    public Extent withFlags(int newFlags) {
        return new Extent(offset, length, newFlags, hostOffset, hostFile, depth);
    }

    /**
     * Whether {@code next} continues this extent with an identical status, so that both can be
     * reported as one run (host offsets must be contiguous too).
     */
    public boolean canMerge(Extent next) {
        if (next.offset != end() || next.flags != flags || next.depth != depth) {
            return false;
        }
        if (!java.util.Objects.equals(hostFile, next.hostFile)) {
            return false;
        }
        if (hasHostOffset() != next.hasHostOffset()) {
            return false;
        }
        return !hasHostOffset() || next.hostOffset == hostOffset + length;
    }

    public Extent merge(Extent next) {
        if (!canMerge(next)) {
            throw new IllegalArgumentException(this + " cannot be merged with " + next);
        }
        return new Extent(offset, length + next.length, flags, hostOffset, hostFile, depth);
    }
}
