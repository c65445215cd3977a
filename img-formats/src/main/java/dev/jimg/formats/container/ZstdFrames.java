package dev.jimg.formats.container;

import dev.jimg.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The decompressed size of a Zstandard file, from its frame headers (RFC 8878 section 3.1.1)
 * without decompressing: each frame's header may state its content size, and its blocks' headers
 * give the frame's compressed length, so the frames can be walked. Skippable frames count
 * nothing. Unknown (-1) when a frame does not state its size or the file is not well formed.
 */
final class ZstdFrames {
    private static final int FRAME_MAGIC = 0xFD2FB528;
    private static final int SKIPPABLE_MASK = 0xFFFFFFF0;
    private static final int SKIPPABLE_MAGIC = 0x184D2A50;
    private static final int BLOCK_HEADER = 3;
    private static final int BLOCK_RLE = 1;
    private static final int BLOCK_RESERVED = 3;
    private static final int CHECKSUM = 4;

    private ZstdFrames() {
    }

    static long contentSize(BlockNode file) throws IOException {
        long size = file.size();
        long pos = 0;
        long total = 0;
        ByteBuffer b = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN);
        while (pos < size) {
            read(file, pos, b, 8);
            int magic = b.getInt(0);
            if ((magic & SKIPPABLE_MASK) == SKIPPABLE_MAGIC) {
                pos += 8 + (b.getInt(4) & 0xFFFFFFFFL);
                continue;
            }
            if (magic != FRAME_MAGIC) {
                return -1;
            }
            read(file, pos + 4, b, 14);
            int descriptor = b.get(0) & 0xFF;
            int fcsFlag = descriptor >>> 6;
            boolean singleSegment = (descriptor & 0x20) != 0;
            boolean checksum = (descriptor & 0x04) != 0;
            int dictBytes = new int[] {0, 1, 2, 4}[descriptor & 3];
            int fcsBytes = fcsFlag == 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
            if (fcsBytes == 0) {
                return -1;
            }
            int at = 1 + (singleSegment ? 0 : 1) + dictBytes;
            long content = switch (fcsBytes) {
                case 1 -> b.get(at) & 0xFFL;
                case 2 -> (b.getShort(at) & 0xFFFFL) + 256;
                case 4 -> b.getInt(at) & 0xFFFFFFFFL;
                default -> b.getLong(at);
            };
            if (content < 0) {
                return -1;
            }
            total += content;
            pos += 4 + at + fcsBytes;
            boolean last = false;
            while (!last) {
                read(file, pos, b, BLOCK_HEADER);
                int header = (b.get(0) & 0xFF) | (b.get(1) & 0xFF) << 8 | (b.get(2) & 0xFF) << 16;
                last = (header & 1) != 0;
                int type = (header >>> 1) & 3;
                if (type == BLOCK_RESERVED) {
                    return -1;
                }
                pos += BLOCK_HEADER + (type == BLOCK_RLE ? 1 : header >>> 3);
                if (pos > size) {
                    return -1;
                }
            }
            pos += checksum ? CHECKSUM : 0;
        }
        return pos == size ? total : -1;
    }

    private static void read(BlockNode file, long pos, ByteBuffer b, int n) throws IOException {
        b.clear().limit(n);
        file.read(pos, b);
    }
}
