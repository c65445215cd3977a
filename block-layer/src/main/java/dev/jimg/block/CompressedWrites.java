package dev.jimg.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writing whole clusters compressed ({@code convert -c}). Split in two so that compression, the
 * expensive part, runs on many threads while writes stay in guest order — which is what makes the
 * output file identical from run to run.
 */
public interface CompressedWrites {

    /**
     * The unit of compression: writes are of exactly this many bytes, aligned to it — except the
     * last unit of an image whose size is not a multiple of it, which is shorter (the node pads it).
     */
    int compressionUnit();

    /**
     * Compresses one unit. Pure and thread-safe. Returns {@code null} when compression does not
     * pay (the caller then writes the unit uncompressed).
     */
    byte[] compress(ByteBuffer unit);

    /** Stores the output of {@link #compress} for the unit at {@code offset}. */
    void writeCompressed(long offset, byte[] compressed) throws IOException;
}
