package dev.jimg.block.spi;

/**
 * The answer of {@code measure}.
 *
 * @param required       bytes the image needs for the given contents
 * @param fullyAllocated bytes it would need with every cluster allocated
 * @param bitmaps        bytes for persistent bitmaps (qcow2), or -1 when the format has none
 */
public record Measurement(long required, long fullyAllocated, long bitmaps) {
    public Measurement(long required, long fullyAllocated) {
        this(required, fullyAllocated, -1);
    }
}
