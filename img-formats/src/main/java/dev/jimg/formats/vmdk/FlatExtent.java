package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.HostStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A flat extent ({@code FLAT}, {@code VMFS}): guest bytes stored in order in a file from a start
 * sector. Holes in the file read as zero and {@code map} reports them so, as qemu does.
 */
final class FlatExtent implements VmdkExtent {
    private final BlockNode file;
    private final long sectors;
    private final long start;
    private final String type;
    private final boolean readOnly;

    FlatExtent(BlockNode file, long sectors, long startSector, String type, boolean readOnly) {
        this.file = file;
        this.sectors = sectors;
        this.start = startSector * 512;
        this.type = type;
        this.readOnly = readOnly;
    }

    @Override
    public long sectors() {
        return sectors;
    }

    @Override
    public BlockNode file() {
        return file;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        file.read(start + offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, Fill fill) throws IOException {
        checkWritable();
        file.write(start + offset, src);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap, Fill fill) throws IOException {
        checkWritable();
        file.writeZeroes(start + offset, length, mayUnmap);
    }

    private void checkWritable() {
        if (readOnly) {
            throw new ImageException(file.filename(), "Cannot write: the extent is read-only (RDONLY)");
        }
    }

    @Override
    public Extent status(long offset, long length) throws IOException {
        Extent data = Extent.data(offset, length, start + offset, file.filename());
        return HostStatus.refineByFile(data, file);
    }

    @Override
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("virtual-size", sectors * 512);
        m.put("filename", file.filename());
        m.put("format", type);
        return m;
    }
}
