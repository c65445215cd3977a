package dev.jimg.formats.vpc;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A fixed VHD: the guest's bytes are the file's bytes, followed by the footer. Holes in a sparse
 * host file read as zero, and block status says so as QEMU's does (data that is also zero).
 */
final class FixedVhdNode extends VhdNode {

    FixedVhdNode(BlockNode file, long size) {
        super(file, size);
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkRange(pos, dst.remaining());
        file.read(pos, dst);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        checkWritable();
        checkRange(pos, src.remaining());
        file.write(pos, src);
    }

    @Override
    public void writeZeroes(long pos, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(pos, length);
        file.writeZeroes(pos, length, mayUnmap);
    }

    @Override
    public void discard(long pos, long length) throws IOException {
        checkWritable();
        checkRange(pos, length);
        file.discard(pos, length);
    }

    @Override
    public Extent blockStatus(long pos, long length) throws IOException {
        Extent e = file.blockStatus(pos, statusLength(pos, length));
        return new Extent(pos, e.length(), e.flags() | Extent.DATA | Extent.ALLOCATED, pos, e.hostFile(), 0);
    }

    @Override
    public boolean hasZeroInit() {
        return file.hasZeroInit();
    }
}
