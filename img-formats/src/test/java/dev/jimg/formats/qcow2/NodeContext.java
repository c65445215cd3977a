package dev.jimg.formats.qcow2;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.OpenContext;
import java.nio.file.Path;

/** Opens a qcow2 image held by any node (in memory, fault-injecting) without backing or data files. */
record NodeContext(BlockNode file, OpenOptions options) implements OpenContext {

    static Qcow2Node open(BlockNode file, boolean readOnly) throws java.io.IOException {
        OpenOptions o = readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.defaults();
        return (Qcow2Node) new Qcow2Driver().open(new NodeContext(file, o));
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
        throw new ImageException("no backing files in memory tests");
    }

    @Override
    public Path resolveRelated(String storedName) {
        throw new ImageException("no related files in memory tests");
    }

    @Override
    public BlockNode openRelatedFile(String storedName, boolean writable) {
        throw new ImageException("no related files in memory tests");
    }

    @Override
    public String fullBackingName(String storedName) {
        return storedName;
    }
}
