package dev.jimg.block.spi;

import dev.jimg.block.ImageException;

/**
 * The checks a format node makes on a request before it looks at its metadata, as
 * {@link dev.jimg.block.BlockNode} promises them: a request past {@code size()} and a write to a
 * read-only node are the caller's mistake and fail with an {@link ImageException}; a block status
 * query outside the image is a programming error. One place, so that every format refuses the
 * same request with the same words.
 */
public final class RequestChecks {

    private RequestChecks() {
    }

    /** Refuses {@code [offset, offset + length)} unless it lies within an image of {@code size} bytes. */
    public static void checkRange(String filename, long offset, long length, long size) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new ImageException(filename, "Request at offset " + offset + " of " + length
                    + " bytes is beyond the end of the image (" + size + " bytes)");
        }
    }

    /** Refuses a write (or anything else that changes the image) to a node opened read-only. */
    public static void checkWritable(String filename, boolean readOnly) {
        if (readOnly) {
            throw new ImageException(filename, "Cannot write: the image is open read-only");
        }
    }

    /**
     * The length a {@code blockStatus(offset, length)} answer may describe: {@code length} cut at
     * the end of the image. Callers ask only for offsets inside the image and positive lengths
     * ({@link dev.jimg.block.ChainStatus} walks by the answers), so anything else is a bug.
     */
    public static long statusLength(String filename, long offset, long length, long size) {
        if (offset < 0 || length <= 0 || offset >= size) {
            throw new IllegalArgumentException(filename + ": block status of " + offset + "+" + length
                    + " outside image of " + size + " bytes");
        }
        return Math.min(length, size - offset);
    }
}
