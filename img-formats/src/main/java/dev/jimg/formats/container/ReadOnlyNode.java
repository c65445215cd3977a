package dev.jimg.formats.container;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import java.nio.ByteBuffer;

/**
 * What the protocol-like nodes of this package share: they present bytes from inside another
 * file (a tar member, a decompressed stream) and can only be read. Like a file, they read zeroes
 * past their end.
 */
abstract class ReadOnlyNode implements BlockNode {
    private final String name;

    ReadOnlyNode(String name) {
        this.name = name;
    }

    @Override
    public final String filename() {
        return name;
    }

    @Override
    public final boolean isReadOnly() {
        return true;
    }

    @Override
    public final void write(long offset, ByteBuffer src) {
        throw readOnly();
    }

    @Override
    public final void writeZeroes(long offset, long length, boolean mayUnmap) {
        throw readOnly();
    }

    @Override
    public final void discard(long offset, long length) {
        throw readOnly();
    }

    @Override
    public final void resize(long newSize) {
        throw readOnly();
    }

    @Override
    public void flush() {
        // nothing is ever written
    }

    private ImageException readOnly() {
        return new ImageException(name, "Cannot write: " + formatName() + " contents are read-only");
    }

    static void checkOffset(String name, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException(name + ": negative offset " + offset);
        }
    }
}
