package dev.jimg.formats.container;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.FormatRegistry;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Opens the image inside a container: probes the format of a node that is not a host file (a
 * tar member, a decompressed stream) and opens it with an {@link OpenContext} that presents that
 * node as the file while delegating everything else (backing files, related files, the
 * directory names resolve against) to the container's own context.
 */
final class InnerImage {
    /** Containers inside containers (an OVA in a gzip in an xz) end here: a loop of wrappers is hostile. */
    static final int MAX_NESTING = 4;

    private InnerImage() {
    }

    /**
     * Opens the image in {@code node}, named {@code name}, with the outer context's options less
     * {@code consumedOptions}. On failure {@code node} is closed.
     *
     * @param sequential whether reading the node's end is costly (a stream decompressed forward):
     *                   then probing looks at the head only, and footer-only formats (a fixed
     *                   VHD) are not recognised, as QEMU never recognises them
     */
    static BlockNode open(OpenContext outer, BlockNode node, String name, Supplier<FormatRegistry> registry,
            boolean sequential, String... consumedOptions) throws IOException {
        int depth = outer instanceof Context c ? c.depth + 1 : 1;
        try {
            if (depth > MAX_NESTING) {
                throw new ImageException(outer.filename(), "Containers are nested more than " + MAX_NESTING
                        + " deep");
            }
            FormatDriver driver = registry.get().probe(probeInput(node, name, sequential)).driver();
            OpenOptions.Builder options = outer.options().toBuilder();
            Map<String, String> rest = new java.util.TreeMap<>(outer.options().driverOptions());
            for (String key : consumedOptions) {
                rest.remove(key);
            }
            return driver.open(new Context(outer, node, name, options.driverOptions(rest).build(), depth));
        } catch (IOException | RuntimeException | Error e) {
            node.close();
            throw e;
        }
    }

    private static ProbeInput probeInput(BlockNode node, String name, boolean sequential) throws IOException {
        if (!sequential) {
            return dev.jimg.block.ImageOpener.probeInput(node);
        }
        ByteBuffer head = ByteBuffer.allocate(ProbeInput.HEAD_SIZE);
        node.read(0, head);
        return new ProbeInput(head.array(), new byte[0], ProbeInput.HEAD_SIZE, name);
    }

    /** The context an inner image is opened with. */
    private static final class Context implements OpenContext {
        private final OpenContext outer;
        private final BlockNode file;
        private final String name;
        private final OpenOptions options;
        private final int depth;

        Context(OpenContext outer, BlockNode file, String name, OpenOptions options, int depth) {
            this.outer = outer;
            this.file = file;
            this.name = name;
            this.options = options;
            this.depth = depth;
        }

        @Override
        public BlockNode file() {
            return file;
        }

        @Override
        public String filename() {
            return name;
        }

        @Override
        public Path path() {
            return outer.path();
        }

        @Override
        public OpenOptions options() {
            return options;
        }

        @Override
        public boolean probed() {
            return true;
        }

        @Override
        public BlockNode openBacking(BackingReference reference) throws IOException {
            return outer.openBacking(reference);
        }

        @Override
        public Path resolveRelated(String storedName) {
            return outer.resolveRelated(storedName);
        }

        @Override
        public BlockNode openRelatedFile(String storedName, boolean writable) throws IOException {
            return outer.openRelatedFile(storedName, writable);
        }

        @Override
        public String fullBackingName(String storedName) {
            return outer.fullBackingName(storedName);
        }
    }
}
