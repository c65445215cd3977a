package dev.jimg.block.util;

import java.nio.ByteBuffer;

/** Small buffer chores that format drivers repeat on every read of a hole. */
public final class Buffers {
    private static final byte[] ZEROES = new byte[64 * 1024];

    private Buffers() {
    }

    /** Fills {@code dst} from its position to its limit with zeroes, in bulk; the position ends at the limit. */
    public static void fillZero(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put(ZEROES, 0, Math.min(ZEROES.length, dst.remaining()));
        }
    }
}
