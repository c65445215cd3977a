package dev.jimg.formats.vpc;

import dev.jimg.block.BlockNode;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.RequestChecks;
import java.io.IOException;
import java.util.Optional;

/** What fixed and dynamic VHD nodes share: the file beneath, the virtual size, range checks. */
abstract class VhdNode implements BlockNode {
    protected final BlockNode file;
    protected final long size;

    VhdNode(BlockNode file, long size) {
        this.file = file;
        this.size = size;
    }

    @Override
    public final String formatName() {
        return VpcDriver.NAME;
    }

    @Override
    public final String filename() {
        return file.filename();
    }

    @Override
    public final long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        return file.isReadOnly();
    }

    @Override
    public final Optional<BlockNode> file() {
        return Optional.of(file);
    }

    @Override
    public void flush() throws IOException {
        file.flush();
    }

    /** QEMU's vpc driver cannot resize either ("does not support resize"). */
    @Override
    public final void resize(long newSize) {
        throw NotSupportedException.byFormat(VpcDriver.NAME, "resize");
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    final void checkWritable() {
        RequestChecks.checkWritable(filename(), isReadOnly());
    }

    final void checkRange(long pos, long length) {
        RequestChecks.checkRange(filename(), pos, length, size);
    }

    final long statusLength(long pos, long length) {
        return RequestChecks.statusLength(filename(), pos, length, size);
    }
}
