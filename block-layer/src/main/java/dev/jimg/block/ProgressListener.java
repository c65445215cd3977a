package dev.jimg.block;

/** Receives progress of a long operation, for {@code -p}. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> { };

    /** {@code done} of {@code total} units of work are finished. */
    void progress(long done, long total);
}
