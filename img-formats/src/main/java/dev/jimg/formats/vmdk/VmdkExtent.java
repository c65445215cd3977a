package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One extent of a VMDK disk: a stretch of guest sectors stored in one file, flat or sparse.
 * Offsets are bytes relative to the extent's first guest byte; {@link VmdkNode} maps guest
 * offsets onto extents.
 */
interface VmdkExtent extends Closeable {

    /** Supplies what a newly allocated grain holds outside the bytes being written. */
    @FunctionalInterface
    interface Fill {
        /** Fills {@code dst} with the current contents at extent offset {@code offset} (zeroes or backing data). */
        void fill(long offset, ByteBuffer dst) throws IOException;
    }

    /** Guest sectors this extent covers (from the descriptor). */
    long sectors();

    /** The file holding the extent. */
    BlockNode file();

    void read(long offset, ByteBuffer dst) throws IOException;

    void write(long offset, ByteBuffer src, Fill fill) throws IOException;

    void writeZeroes(long offset, long length, boolean mayUnmap, Fill fill) throws IOException;

    /** The status at {@code offset}, offsets of the result relative to the extent. */
    Extent status(long offset, long length) throws IOException;

    /** This extent's entry in {@code info}'s {@code extents} list, with qemu's keys. */
    Map<String, Object> info();

    /** The grain size in bytes, for {@code cluster-size}, or 0 for flat extents. */
    default long grainBytes() {
        return 0;
    }

    /** Adds this extent's problems to {@code report}; returns the number of corruptions found. */
    default long check(long guestStart, Consumer<String> report) throws IOException {
        return 0;
    }

    default void flush() throws IOException {
        file().flush();
    }

    @Override
    default void close() throws IOException {
        file().close();
    }
}
