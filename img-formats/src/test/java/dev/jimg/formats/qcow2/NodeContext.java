package dev.jimg.formats.qcow2;

import dev.jimg.block.BlockNode;
import dev.jimg.formats.testing.NodeOpenContext;
import java.io.IOException;

/** Opens a qcow2 image held by any node (in memory, fault-injecting) as the driver's own node type. */
final class NodeContext {
    private NodeContext() {
    }

    static Qcow2Node open(BlockNode file, boolean readOnly) throws IOException {
        return (Qcow2Node) NodeOpenContext.open(Qcow2Driver.NAME, file, readOnly);
    }
}
