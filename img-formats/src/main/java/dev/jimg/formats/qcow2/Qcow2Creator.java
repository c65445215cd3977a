package dev.jimg.formats.qcow2;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.spi.CreateRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code create -f qcow2} as QEMU's {@code qcow2_co_create} lays the file out: the header in
 * cluster 0, a one-cluster refcount table in cluster 1, its first refcount block in cluster 2;
 * then the image is opened and grown to its size (the L1 table lands in cluster 3), the backing
 * file recorded, and preallocation done.
 */
final class Qcow2Creator {
    private Qcow2Creator() {
    }

    static void create(CreateRequest req) throws IOException {
        CreateOptions o = CreateOptions.parse(req.options());
        long size = req.size();
        if (o.backingFile() != null) {
            try (BlockNode b = req.opener().open(o.backingFile(), o.backingFormat(), req.path(),
                    OpenOptions.readOnlyDefaults())) {
                if (size < 0) {
                    size = b.size();
                }
            }
        }
        if (size < 0) {
            throw new ImageException(req.filename(), "Image creation needs a size parameter");
        }
        if (size > Qcow2Header.MAX_VIRTUAL_SIZE) {
            throw new ImageException(req.filename(), "Image size too large; max. allowed: "
                    + Qcow2Header.MAX_VIRTUAL_SIZE);
        }
        o.checkSize(Limits.alignUp(size, o.clusterSize()));
        int cs = o.clusterSize();
        long incompat = 0;
        if (o.compressionType() != Qcow2Header.COMPRESSION_ZLIB) {
            incompat |= Qcow2Header.INCOMPAT_COMPRESSION;
        }
        if (o.extendedL2()) {
            incompat |= Qcow2Header.INCOMPAT_EXTENDED_L2;
        }
        if (o.dataFile() != null) {
            incompat |= Qcow2Header.INCOMPAT_DATA_FILE;
        }
        Qcow2Header h = new Qcow2Header(o.version(), o.clusterBits(), 0, 0, 0, 0, cs, 1, 0, 0, incompat,
                o.lazyRefcounts() ? Qcow2Header.COMPAT_LAZY_REFCOUNTS : 0,
                o.dataFileRaw() ? Qcow2Header.AUTOCLEAR_DATA_FILE_RAW : 0, o.refcountOrder(), o.compressionType(),
                null, null, o.dataFile(), null, List.of());
        Qcow2Header withBacking = h.withBacking(o.backingFile(), o.backingFormat());
        Qcow2Header.requireFits(withBacking);

        BlockNode dataFile = null;
        if (o.dataFile() != null) {
            Path dataPath = req.path().toAbsolutePath().getParent().resolve(o.dataFile());
            FileNode df = FileNode.create(dataPath, o.dataFile());
            df.resize(size);
            dataFile = df;
        }
        FileNode file = FileNode.create(req.path(), req.filename());
        try {
            file.write(0, ByteBuffer.wrap(h.encode()));
            ByteBuffer table = ByteBuffer.allocate(cs);
            table.putLong(0, 2L * cs);
            file.write(cs, table);
            byte[] block = new byte[cs];
            RefcountField f = new RefcountField(o.refcountOrder());
            for (int i = 0; i < 3; i++) {
                f.set(block, i, 1);
            }
            file.write(2L * cs, ByteBuffer.wrap(block));
            file.flush();
        } catch (IOException | RuntimeException e) {
            file.close();
            if (dataFile != null) {
                dataFile.close();
            }
            throw e;
        }
        Qcow2State s = new Qcow2State(req.filename(), file, false, h);
        s.init(64, 16);
        if (dataFile != null) {
            s.setDataFile(dataFile);
        }
        // The node owns the files from here on: closing it flushes and closes them.
        Qcow2Node node = new Qcow2Node(s, req.filename(), null, null, dataFile != null);
        try {
            s.lock.lock();
            try {
                s.map().growL1(s.geometry().l1EntriesFor(size), true);
                s.writeHeader(s.header().withSize(size).withBacking(o.backingFile(), o.backingFormat()));
                s.file().flush();
            } finally {
                s.lock.unlock();
            }
            String prealloc = o.dataFileRaw() && o.preallocation().equals("off") ? "metadata" : o.preallocation();
            if (!prealloc.equals("off")) {
                new Preallocation(s).run(size, prealloc);
            }
        } finally {
            node.close();
        }
    }
}
