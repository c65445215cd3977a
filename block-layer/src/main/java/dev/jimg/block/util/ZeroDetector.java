package dev.jimg.block.util;

import java.nio.ByteBuffer;

/** Fast all-zero tests on buffers. */
public final class ZeroDetector {
    private static final int ZERO_BLOCK_SIZE = 64 * 1024;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_BLOCK_SIZE).asReadOnlyBuffer();
    private ZeroDetector() {
    }

    /** Whether the bytes from {@code buf}'s position to its limit are all zero; the buffer is not moved. */
    public static boolean isZero(ByteBuffer buf) {
        return isZero(buf, buf.position(), buf.remaining());
    }

    /** Whether {@code length} bytes of {@code buf} from absolute index {@code from} are zero. */
    public static boolean isZero(ByteBuffer buf, int from, int length) {
        // Data usually shows in its first bytes: one read settles it without zeroPrefix's slices,
        // which matters when convert asks about each 512-byte sector of gigabytes of data.
        if (length >= Long.BYTES && buf.getLong(from) != 0) {
            return false;
        }
        return zeroPrefix(buf, from, length) == length;
    }

    /**
     * How many bytes from absolute index {@code from} (within {@code length}) are zero before the
     * first that is not: {@code length} if all are. {@link ByteBuffer#mismatch} against a shared
     * zero block is vectorised by the JIT: one comparison per 64 KiB, so a long zero run costs a
     * few calls rather than one per sector.
     */
    public static int zeroPrefix(ByteBuffer buf, int from, int length) {
        int pos = from;
        int end = from + length;
        while (pos < end) {
            int n = Math.min(ZERO_BLOCK_SIZE, end - pos);
            int hit = buf.slice(pos, n).mismatch(ZEROES.slice(0, n));
            if (hit >= 0) {
                return pos + hit - from;
            }
            pos += n;
        }
        return length;
    }

    public static boolean isZero(byte[] data, int from, int length) {
        return isZero(ByteBuffer.wrap(data), from, length);
    }
}
