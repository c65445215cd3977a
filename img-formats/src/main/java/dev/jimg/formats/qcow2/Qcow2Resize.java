package dev.jimg.formats.qcow2;

import dev.jimg.block.ImageException;
import java.io.IOException;

/** {@code resize} of a qcow2 image (QEMU's {@code qcow2_co_truncate} without preallocation). */
final class Qcow2Resize {
    private final Qcow2Node node;
    private final Qcow2State s;

    Qcow2Resize(Qcow2Node node) {
        this.node = node;
        this.s = node.s;
    }

    /** Called with the node's gate held exclusively. */
    void resize(long newSize) throws IOException {
        if (newSize < 0 || newSize > Qcow2Header.MAX_VIRTUAL_SIZE) {
            throw new ImageException(s.filename(), "Invalid image size " + newSize);
        }
        long oldSize = s.header().size();
        if (newSize == oldSize) {
            return;
        }
        Geometry g = s.geometry();
        if (s.hasExternalData()) {
            // Guest offset is host offset there: the data file follows the guest size.
            s.dataFile().resize(newSize);
        }
        if (newSize > oldSize) {
            s.lock.lock();
            try {
                s.map().growL1(g.l1EntriesFor(newSize), true);
                s.writeHeader(s.header().withSize(newSize));
                s.file().flush();
            } finally {
                s.lock.unlock();
            }
            // Bytes past the old end inside its last cluster may hold old data: they must read as zeroes.
            long tailEnd = Math.min(Limits.alignUp(oldSize, g.clusterSize()), newSize);
            if (tailEnd > oldSize) {
                node.writer.writeZeroes(oldSize, tailEnd - oldSize, false);
            }
        } else {
            long from = Limits.alignUp(newSize, g.clusterSize());
            if (from < oldSize) {
                node.writer.discard(from, oldSize - from, true);
            }
            s.lock.lock();
            try {
                long keepL1 = g.l1EntriesFor(newSize);
                long[] l1 = s.map().l1();
                s.writeBackMetadata();
                for (int i = (int) keepL1; i < l1.length; i++) {
                    long l2 = s.map().l2TableOffset(i);
                    if (l2 != 0) {
                        s.map().setL1Entry(i, 0);
                        s.file().flush();
                        s.l2Cache().drop(l2);
                        s.refcounts().free(l2, g.clusterSize(), false);
                    }
                }
                s.writeHeader(s.header().withSize(newSize));
                s.writeBackMetadata();
            } finally {
                s.lock.unlock();
            }
        }
        node.flushLocked();
    }
}
