package dev.jimg.cli.convert;

/**
 * How {@link Converter} copies.
 *
 * @param parallel        workers ({@code -m}, 1–16, default 8)
 * @param inOrder         writes issued in guest order (default; {@code -W} turns it off)
 * @param minSparse       zero runs at least this long are not written ({@code -S}, bytes; 0 writes everything)
 * @param compress        write compressed units ({@code -c})
 * @param targetZeroed    the target reads as zeroes already (fresh image or {@code --target-is-zero})
 * @param targetBacking   the target has a backing file ({@code -B}): ranges the source's top image
 *                        leaves to its backing file are not copied
 * @param alignment       the unit zero runs are skipped in, so that no unit is written in part:
 *                        the target's allocation unit (its cluster size) or {@code -S} rounded
 *                        down to a power of two (qemu-img's {@code s.alignment}), the larger
 */
public record ConvertSettings(int parallel, boolean inOrder, long minSparse, boolean compress, boolean targetZeroed,
        boolean targetBacking, int alignment) {
    /** qemu-img caps {@code -m} at 16 coroutines; so do we. */
    public static final int MAX_PARALLEL = 16;

    public ConvertSettings {
        if (parallel < 1 || parallel > MAX_PARALLEL) {
            throw new IllegalArgumentException("parallel must be 1.." + MAX_PARALLEL + ", got " + parallel);
        }
        if (minSparse < 0 || alignment < 512 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("invalid minSparse " + minSparse + " or alignment " + alignment);
        }
    }
}
