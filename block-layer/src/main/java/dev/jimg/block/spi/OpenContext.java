package dev.jimg.block.spi;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * What a driver gets when asked to open an image: the protocol node holding it, the options, and
 * the ways to open the other files an image may name (backing files, extents, data files), so that
 * drivers never resolve host paths on their own.
 */
public interface OpenContext {

    /** The protocol node of the image file itself. Owned by the node the driver returns. */
    BlockNode file();

    /** The name as the user gave it. */
    String filename();

    /** The image's path, against whose directory relative names are resolved. */
    Path path();

    OpenOptions options();

    /** Whether the format was guessed by probing rather than named by the user. */
    boolean probed();

    /**
     * Opens a backing image read-only, resolving a relative name against this image's directory
     * and probing its format unless {@code reference.format()} names one. The caller owns the
     * result. Fails with an {@link dev.jimg.block.ImageException} naming the backing file.
     */
    BlockNode openBacking(BackingReference reference) throws IOException;

    /**
     * Resolves a name stored in the image (an extent, a data file) against this image's directory.
     * Unless {@link OpenOptions#allowExternalPaths()} is set, a name that is absolute or leaves the
     * directory is refused with an {@link dev.jimg.block.ImageException}.
     */
    Path resolveRelated(String storedName);

    /** Opens a file named by the image as a protocol node, resolved by {@link #resolveRelated}. */
    BlockNode openRelatedFile(String storedName, boolean writable) throws IOException;

    /** The full name of a backing file as {@code info} prints it ({@code full-backing-filename}). */
    String fullBackingName(String storedName);

    /**
     * Refuses the open unless every driver option ({@link OpenOptions#driverOptions()}) is one of
     * {@code known}: an option the driver ignored would look accepted while changing nothing, so
     * QEMU refuses it too.
     */
    default void rejectUnknownOptions(Set<String> known) {
        for (String key : options().driverOptions().keySet()) {
            if (!known.contains(key)) {
                throw new ImageException(filename(), "Invalid parameter '" + key + "'");
            }
        }
    }
}
