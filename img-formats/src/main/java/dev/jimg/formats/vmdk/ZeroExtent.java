package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.Buffers;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/** A {@code ZERO} extent: sectors that read as zero and have no file. */
final class ZeroExtent implements VmdkExtent {
    private final long sectors;
    private final String descriptorName;

    ZeroExtent(long sectors, String descriptorName) {
        this.sectors = sectors;
        this.descriptorName = descriptorName;
    }

    @Override
    public long sectors() {
        return sectors;
    }

    @Override
    public BlockNode file() {
        throw new IllegalStateException("a ZERO extent has no file");
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        Buffers.fillZero(dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, Fill fill) {
        throw new ImageException(descriptorName, "Cannot write to a ZERO extent");
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap, Fill fill) {
        // Already zero.
    }

    @Override
    public Extent status(long offset, long length) {
        return Extent.zero(offset, length);
    }

    @Override
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("virtual-size", sectors * 512);
        m.put("filename", descriptorName);
        m.put("format", "ZERO");
        return m;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
