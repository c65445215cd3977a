package dev.jimg.formats.raw;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CopyOffload;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.spi.RequestChecks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * An open raw image: a window {@code [offset, offset + size)} of its file (the whole file unless
 * the {@code offset}/{@code size} open options say otherwise, as for a disk inside an OVA).
 */
final class RawNode implements BlockNode, CopyOffload {
    private static final int SECTOR = 512;

    private final BlockNode file;
    private final long offset;
    /** Fixed size, or -1 to follow the file's length. */
    private final long fixedSize;
    /** Non-null when the format was probed: writes must not turn sector 0 into another format. */
    private final Predicate<byte[]> probesAsOtherFormat;

    RawNode(BlockNode file, long offset, long fixedSize, Predicate<byte[]> probesAsOtherFormat) {
        this.file = file;
        this.offset = offset;
        this.fixedSize = fixedSize;
        this.probesAsOtherFormat = probesAsOtherFormat;
    }

    @Override
    public String formatName() {
        return RawDriver.NAME;
    }

    @Override
    public String filename() {
        return file.filename();
    }

    @Override
    public long size() throws IOException {
        return fixedSize >= 0 ? fixedSize : file.size() - offset;
    }

    @Override
    public boolean isReadOnly() {
        return file.isReadOnly();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkRange(pos, dst.remaining());
        file.read(offset + pos, dst);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        checkWritable();
        checkRange(pos, src.remaining());
        if (probesAsOtherFormat != null && pos < SECTOR) {
            guardSectorZero(pos, src);
        }
        file.write(offset + pos, src);
    }

    /**
     * QEMU's rule for probed raw images: a write that would make sector 0 look like another
     * format is refused, or the next open would trust a header the guest wrote.
     */
    private void guardSectorZero(long pos, ByteBuffer src) throws IOException {
        ByteBuffer sector = ByteBuffer.allocate(SECTOR);
        file.read(offset, sector);
        byte[] bytes = sector.array();
        int n = (int) Math.min(src.remaining(), SECTOR - pos);
        src.duplicate().get(bytes, (int) pos, n);
        if (probesAsOtherFormat.test(bytes)) {
            throw new ImageException(filename(), "Operation not permitted: the write would change the format"
                    + " probed from sector 0; specify the 'raw' format explicitly to allow it");
        }
    }

    /**
     * Copy offloading between two raw images is copy offloading between their files, each range
     * shifted by its image's offset. From an image of another format, the ranges its block status
     * places plainly in its own file (qcow2, VDI, VHD, VHDX and sparse VMDK data; not compressed,
     * zero, backing or external data) are copied from that file, up to the first range that is
     * not. Nothing is offloaded into sector 0 of a probed image: that write must go through
     * {@link #write}'s check.
     */
    @Override
    public long copyFrom(BlockNode source, long srcOffset, long pos, long length) throws IOException {
        checkWritable();
        checkRange(pos, length);
        if (probesAsOtherFormat != null && pos < SECTOR) {
            return 0;
        }
        Optional<CopyOffload> fileCopy = file.capability(CopyOffload.class);
        if (fileCopy.isEmpty()) {
            return 0;
        }
        if (source instanceof RawNode src) {
            src.checkRange(srcOffset, length);
            return fileCopy.get().copyFrom(src.file, src.offset + srcOffset, offset + pos, length);
        }
        return copyFromHostRanges(source, srcOffset, pos, length, fileCopy.get());
    }

    private long copyFromHostRanges(BlockNode source, long srcOffset, long pos, long length, CopyOffload fileCopy)
            throws IOException {
        Optional<BlockNode> sourceFile = source.file();
        if (sourceFile.isEmpty()) {
            return 0;
        }
        String sourceFileName = sourceFile.get().filename();
        long done = 0;
        while (done < length) {
            Extent e = source.blockStatus(srcOffset + done, length - done);
            boolean plainData = (e.flags() & (Extent.DATA | Extent.ZERO | Extent.COMPRESSED)) == Extent.DATA;
            if (!plainData || e.depth() != 0 || e.hostOffset() < 0 || e.offset() != srcOffset + done
                    || !sourceFileName.equals(e.hostFile())) {
                break;
            }
            long n = Math.min(e.length(), length - done);
            long copied = fileCopy.copyFrom(sourceFile.get(), e.hostOffset(), offset + pos + done, n);
            done += copied;
            if (copied < n) {
                break;
            }
        }
        return done;
    }

    @Override
    public void writeZeroes(long pos, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(pos, length);
        file.writeZeroes(offset + pos, length, mayUnmap);
    }

    @Override
    public void discard(long pos, long length) throws IOException {
        checkWritable();
        checkRange(pos, length);
        file.discard(offset + pos, length);
    }

    @Override
    public void flush() throws IOException {
        file.flush();
    }

    @Override
    public void resize(long newSize) throws IOException {
        checkWritable();
        if (offset != 0 || fixedSize >= 0) {
            throw new ImageException(filename(), "Cannot resize a raw image opened with offset or size options");
        }
        file.resize(newSize);
    }

    /** The file's own status, shifted into guest offsets. */
    @Override
    public Extent blockStatus(long pos, long length) throws IOException {
        long len = RequestChecks.statusLength(filename(), pos, length, size());
        Extent e = file.blockStatus(offset + pos, len);
        if (offset == 0 && e.depth() == 0) {
            return e; // the file's answer is already in guest terms: map asks this thousands of times
        }
        return new Extent(pos, e.length(), e.flags(), e.hasHostOffset() ? e.hostOffset() : -1, e.hostFile(), 0);
    }

    @Override
    public Optional<BlockNode> file() {
        return Optional.of(file);
    }

    @Override
    public boolean hasZeroInit() {
        return file.hasZeroInit();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private void checkWritable() {
        RequestChecks.checkWritable(filename(), isReadOnly());
    }

    private void checkRange(long pos, long length) throws IOException {
        RequestChecks.checkRange(filename(), pos, length, size());
    }
}
