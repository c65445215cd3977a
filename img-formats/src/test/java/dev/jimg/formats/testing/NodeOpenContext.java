package dev.jimg.formats.testing;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.formats.Formats;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens an image held by any protocol node (in memory, fault-injecting) with a driver of the
 * registry, without backing or related files: what the cross-format tests need to put a driver
 * over a node that models a disk.
 */
public record NodeOpenContext(BlockNode file, OpenOptions options) implements OpenContext {

    /** The image on {@code file} opened as {@code format}. */
    public static BlockNode open(String format, BlockNode file, boolean readOnly) throws IOException {
        OpenOptions o = readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.defaults();
        return Formats.registry().require(format).open(new NodeOpenContext(file, o));
    }

    @Override
    public String filename() {
        return file.filename();
    }

    @Override
    public Path path() {
        return Path.of(file.filename());
    }

    @Override
    public boolean probed() {
        return false;
    }

    @Override
    public BlockNode openBacking(BackingReference reference) {
        throw new ImageException(file.filename(), "no backing files for an image held by a node");
    }

    @Override
    public Path resolveRelated(String storedName) {
        throw new ImageException(file.filename(), "no related files for an image held by a node");
    }

    @Override
    public BlockNode openRelatedFile(String storedName, boolean writable) {
        throw new ImageException(file.filename(), "no related files for an image held by a node");
    }

    @Override
    public String fullBackingName(String storedName) {
        return storedName;
    }
}
