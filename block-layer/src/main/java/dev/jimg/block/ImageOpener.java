package dev.jimg.block;

import dev.jimg.block.file.FileNode;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Opens images: the file protocol node, then the format node chosen by name or by probing, then —
 * through the {@link OpenContext} the driver receives — its backing chain.
 *
 * <p>An explicit format is never second-guessed. A guessed raw format of a writable image
 * triggers qemu-img's warning, since a guest could write another format's header into sector 0.
 */
public final class ImageOpener {
    /** Deeper chains than this are refused: a loop of backing files must end in an error, not a stack overflow. */
    public static final int MAX_CHAIN_DEPTH = 256;

    private final FormatRegistry registry;
    private final FileSystem fileSystem;
    private final Consumer<String> warnings;

    /**
     * @param registry   the drivers to choose from
     * @param fileSystem where file names are resolved (the default one, or jimfs in tests)
     * @param warnings   receives warnings the user should see, such as the raw-probing warning
     */
    public ImageOpener(FormatRegistry registry, FileSystem fileSystem, Consumer<String> warnings) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.fileSystem = Objects.requireNonNull(fileSystem, "fileSystem");
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    public ImageOpener(FormatRegistry registry, Consumer<String> warnings) {
        this(registry, FileSystems.getDefault(), warnings);
    }

    public FormatRegistry registry() {
        return registry;
    }

    public FileSystem fileSystem() {
        return fileSystem;
    }

    /** Opens {@code filename} as {@code format}, or probes when {@code format} is null. */
    public BlockNode open(String filename, String format, OpenOptions options) throws IOException {
        BlockNode node = open(fileSystem.getPath(filename), filename, format, options, new ArrayList<>());
        return PolicyFilter.wrapIfNeeded(node, options);
    }

    /** Reads the head and tail of a file for probing. */
    public static ProbeInput probeInput(BlockNode file) throws IOException {
        long size = file.size();
        int headLen = (int) Math.min(ProbeInput.HEAD_SIZE, size);
        ByteBuffer head = ByteBuffer.allocate(headLen);
        file.read(0, head);
        int tailLen = (int) Math.min(ProbeInput.TAIL_SIZE, size);
        ByteBuffer tail = ByteBuffer.allocate(tailLen);
        file.read(size - tailLen, tail);
        return new ProbeInput(head.array(), tail.array(), size, file.filename());
    }

    /** Chooses the driver for an already opened file: by name if given, else by probing. */
    public FormatDriver chooseDriver(BlockNode file, String format) throws IOException {
        if (format != null) {
            return registry.require(format);
        }
        return registry.probe(probeInput(file)).driver();
    }

    private BlockNode open(Path path, String filename, String format, OpenOptions options, List<Path> chain)
            throws IOException {
        if (chain.size() >= MAX_CHAIN_DEPTH) {
            throw new ImageException(filename, "Backing chain is deeper than " + MAX_CHAIN_DEPTH + " images");
        }
        Path key = identity(path);
        if (chain.contains(key)) {
            throw new ImageException(filename, "Backing file chain loops back to '" + filename + "'");
        }
        if (format != null) {
            registry.require(format);
        }
        if (!Files.exists(path)) {
            throw new ImageException(filename, "Could not open '" + filename + "': No such file or directory");
        }
        FileNode file = FileNode.open(path, filename, options);
        try {
            boolean probed = format == null;
            FormatDriver driver = chooseDriver(file, format);
            if (probed && driver.name().equals("raw") && !options.readOnly()) {
                warnings.accept("Image format was not specified for '" + filename
                        + "' and probing guessed raw.\n"
                        + "         Automatically detecting the format is dangerous for raw images,"
                        + " write operations on block 0 will be restricted.\n"
                        + "         Specify the 'raw' format explicitly to remove the restrictions.");
            }
            List<Path> nextChain = new ArrayList<>(chain);
            nextChain.add(key);
            return driver.open(new Context(path, filename, file, options, probed, nextChain));
        } catch (ImageException e) {
            file.close();
            throw e.inFile(filename);
        } catch (IOException | RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    private static Path identity(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /**
     * QEMU's {@code path_combine}: a relative name stored in an image is relative to the directory
     * of the image's own name (as given, not as resolved through the working directory).
     */
    public static String combine(String baseFilename, String name) {
        if (name.startsWith("/")) {
            return name;
        }
        int slash = baseFilename.lastIndexOf('/');
        if (slash < 0) {
            return name;
        }
        return baseFilename.substring(0, slash + 1) + name;
    }

    private final class Context implements OpenContext {
        private final Path path;
        private final String filename;
        private final FileNode file;
        private final OpenOptions options;
        private final boolean probed;
        private final List<Path> chain;

        Context(Path path, String filename, FileNode file, OpenOptions options, boolean probed, List<Path> chain) {
            this.path = path;
            this.filename = filename;
            this.file = file;
            this.options = options;
            this.probed = probed;
            this.chain = chain;
        }

        @Override
        public BlockNode file() {
            return file;
        }

        @Override
        public String filename() {
            return filename;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public OpenOptions options() {
            return options;
        }

        @Override
        public boolean probed() {
            return probed;
        }

        @Override
        public BlockNode openBacking(BackingReference reference) throws IOException {
            String full = fullBackingName(reference.name());
            try {
                return ImageOpener.this.open(fileSystem.getPath(full), full, reference.format().orElse(null),
                        options.forBacking(), chain);
            } catch (ImageException e) {
                String inner = e.file() != null && !e.getMessage().contains(e.file())
                        ? e.file() + ": " + e.getMessage() : e.getMessage();
                throw new ImageException(filename, "Could not open backing file: " + inner, e);
            }
        }

        @Override
        public String fullBackingName(String storedName) {
            return combine(filename, storedName);
        }

        @Override
        public Path resolveRelated(String storedName) {
            if (storedName.isEmpty() || storedName.indexOf('\0') >= 0) {
                throw new ImageException(filename, "Invalid file name '" + storedName + "' in image metadata");
            }
            Path dir = path.toAbsolutePath().getParent();
            Path named = fileSystem.getPath(storedName);
            Path resolved = dir.resolve(named).normalize();
            if (options.allowExternalPaths()) {
                return resolved;
            }
            if (named.isAbsolute() || !resolved.startsWith(dir.normalize())) {
                throw new ImageException(filename, "File '" + storedName
                        + "' named by the image lies outside the image's directory; refusing to open it"
                        + " (allow it explicitly if you trust this image)");
            }
            if (Files.exists(resolved)) {
                try {
                    Path realDir = dir.toRealPath();
                    if (!resolved.toRealPath().startsWith(realDir)) {
                        throw new ImageException(filename, "File '" + storedName
                                + "' named by the image links outside the image's directory; refusing to open it"
                                + " (allow it explicitly if you trust this image)");
                    }
                } catch (IOException e) {
                    throw new ImageException(filename, "Could not resolve '" + storedName + "': " + e.getMessage(), e);
                }
            }
            return resolved;
        }

        @Override
        public BlockNode openRelatedFile(String storedName, boolean writable) throws IOException {
            Path resolved = resolveRelated(storedName);
            String name = combine(filename, storedName);
            if (!Files.exists(resolved)) {
                throw new ImageException(filename, "Could not open '" + name + "': No such file or directory");
            }
            OpenOptions o = options.toBuilder().readOnly(options.readOnly() || !writable).build();
            return FileNode.open(resolved, name, o);
        }
    }
}
