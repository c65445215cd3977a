package dev.jimg.block.spi;

import java.util.Arrays;

/**
 * What a driver sees when asked whether a file is its format.
 *
 * @param head     the first bytes of the file (up to {@link #HEAD_SIZE}; fewer if the file is shorter)
 * @param tail     the last bytes of the file (up to {@link #TAIL_SIZE}), for formats whose only
 *                 signature is a footer, like a fixed VHD
 * @param fileSize the file's length in bytes
 * @param filename the name it was opened with; drivers must not decide by it alone
 */
public record ProbeInput(byte[] head, byte[] tail, long fileSize, String filename) {
    /** Enough for every header signature and a VMDK descriptor's first lines. */
    public static final int HEAD_SIZE = 4096;
    /** A VHD footer is 512 bytes; some writers leave it one sector short of 512-byte alignment. */
    public static final int TAIL_SIZE = 1024;

    public ProbeInput {
        head = head.clone();
        tail = tail.clone();
    }

    @Override
    public byte[] head() {
        return head.clone();
    }

    @Override
    public byte[] tail() {
        return tail.clone();
    }

    /** Whether the head holds {@code magic} at {@code offset}. */
    public boolean headMatches(int offset, byte[] magic) {
        if (offset < 0 || offset + magic.length > head.length) {
            return false;
        }
        return Arrays.equals(head, offset, offset + magic.length, magic, 0, magic.length);
    }

    public int headLength() {
        return head.length;
    }

    /** Big-endian 32-bit value of the head at {@code offset}, or -1 past its end. */
    public long headU32BE(int offset) {
        if (offset < 0 || offset + 4 > head.length) {
            return -1;
        }
        return ((head[offset] & 0xFFL) << 24) | ((head[offset + 1] & 0xFFL) << 16)
                | ((head[offset + 2] & 0xFFL) << 8) | (head[offset + 3] & 0xFFL);
    }

    /** Little-endian 32-bit value of the head at {@code offset}, or -1 past its end. */
    public long headU32LE(int offset) {
        if (offset < 0 || offset + 4 > head.length) {
            return -1;
        }
        return (head[offset] & 0xFFL) | ((head[offset + 1] & 0xFFL) << 8)
                | ((head[offset + 2] & 0xFFL) << 16) | ((head[offset + 3] & 0xFFL) << 24);
    }
}
