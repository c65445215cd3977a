package dev.jimg.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A node that passes every request to the node it wraps; subclasses override what they change.
 * Capabilities are looked up on the wrapped node, so a filter never hides {@code check} or
 * snapshots. QEMU's filter drivers (throttle, copy-on-read) have the same shape.
 */
public abstract class FilterNode implements BlockNode {
    protected final BlockNode inner;

    protected FilterNode(BlockNode inner) {
        this.inner = inner;
    }

    /** The node this filter wraps. */
    public BlockNode inner() {
        return inner;
    }

    @Override
    public String formatName() {
        return inner.formatName();
    }

    @Override
    public String filename() {
        return inner.filename();
    }

    @Override
    public long size() throws IOException {
        return inner.size();
    }

    @Override
    public boolean isReadOnly() {
        return inner.isReadOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        inner.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        inner.write(offset, src);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        inner.writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        inner.discard(offset, length);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void resize(long newSize) throws IOException {
        inner.resize(newSize);
    }

    @Override
    public Extent blockStatus(long offset, long length) throws IOException {
        return inner.blockStatus(offset, length);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }

    @Override
    public Optional<BlockNode> backing() {
        return inner.backing();
    }

    @Override
    public Optional<BackingReference> backingReference() {
        return inner.backingReference();
    }

    @Override
    public Optional<BlockNode> file() {
        return inner.file();
    }

    @Override
    public long allocatedBytes() throws IOException {
        return inner.allocatedBytes();
    }

    @Override
    public OptionalInt clusterSize() {
        return inner.clusterSize();
    }

    @Override
    public boolean isDirty() {
        return inner.isDirty();
    }

    @Override
    public boolean hasZeroInit() {
        return inner.hasZeroInit();
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type.isInstance(this)) {
            return Optional.of(type.cast(this));
        }
        return inner.capability(type);
    }
}
