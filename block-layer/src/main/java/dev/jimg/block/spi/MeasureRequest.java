package dev.jimg.block.spi;

import dev.jimg.block.BlockNode;
import java.util.Optional;

/**
 * {@code qemu-img measure}: how big an image of the driver's format would be.
 *
 * @param size    the virtual size, when measuring an empty image of that size
 * @param options the validated {@code -o} options of the output format
 * @param source  the image whose contents would be converted, when measuring a conversion
 */
public record MeasureRequest(long size, ImageOptions options, Optional<BlockNode> source) {
}
