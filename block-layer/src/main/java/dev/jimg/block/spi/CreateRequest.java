package dev.jimg.block.spi;

import dev.jimg.block.BlockNode;
import dev.jimg.block.OpenOptions;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A request to create an image.
 *
 * @param path     where to create it
 * @param filename the name as the user gave it, for messages and stored references
 * @param size     the virtual size in bytes
 * @param options  the validated {@code -o} options (size and backing options included)
 * @param opener   opens other images the new one depends on (its backing file, to check it)
 */
public record CreateRequest(Path path, String filename, long size, ImageOptions options, BackingOpener opener) {

    /** Opens an existing image read-only, e.g. the backing file named by {@code -b}. */
    @FunctionalInterface
    public interface BackingOpener {
        BlockNode open(String name, String format, Path relativeTo, OpenOptions options) throws IOException;
    }
}
