package dev.jimg.formats.vmdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Stream markers of streamOptimized extents (VMware "Virtual Disk Format 5.0", "Stream-Optimized
 * Compressed Sparse Extents"). A grain marker is 12 bytes followed directly by the compressed
 * grain; metadata markers fill a sector:
 * <pre>
 *   0  u64  val    grain: guest sector (LBA); metadata: sectors of the following structure
 *   8  u32  size   grain: compressed bytes; metadata: 0
 *  12  u32  type   metadata only: 0 end of stream, 1 grain table, 2 grain directory, 3 footer
 * </pre>
 */
final class Marker {
    static final int GRAIN_HEADER = 12;
    static final int EOS = 0;
    static final int GRAIN_TABLE = 1;
    static final int GRAIN_DIRECTORY = 2;
    static final int FOOTER = 3;

    private Marker() {
    }

    /** A metadata marker sector. */
    static ByteBuffer metadata(long sectors, int type) {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, sectors).putInt(8, 0).putInt(12, type);
        return b;
    }
}
