package dev.jimg.block.testing;

import dev.jimg.block.BlockNode;
import dev.jimg.block.FilterNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * A protocol node that models a disk losing power. It wraps a node (what the running program
 * sees) and keeps beside it what has reached stable storage: writes since the last flush are
 * pending, a flush makes them durable. After the {@code cutAfter}-th write the power is cut:
 * the program keeps running against the wrapped node, but nothing more reaches the disk.
 * {@link #crashImage} then gives the disk's contents, with each pending write kept or lost at
 * random — the states a crash can leave.
 */
public final class FaultInjectingNode extends FilterNode {
    private final MemoryFileNode durable;
    private final long cutAfter;
    private long writes;
    private long flushes;
    private boolean powerCut;

    /** A pending operation, replayable onto a node. */
    private interface Op {
        void apply(BlockNode node) throws IOException;
    }

    /** A pending write, which a crash may also tear: each of its sectors lands or not. */
    private record Write(long offset, byte[] data) implements Op {
        @Override
        public void apply(BlockNode node) throws IOException {
            node.write(offset, ByteBuffer.wrap(data));
        }

        void applyTorn(BlockNode node, Random random) throws IOException {
            for (int at = 0; at < data.length; at += SECTOR) {
                if (random.nextBoolean()) {
                    node.write(offset + at, ByteBuffer.wrap(data, at, Math.min(SECTOR, data.length - at)));
                }
            }
        }
    }

    /** The unit a disk writes atomically: a torn write keeps or loses whole sectors. */
    public static final int SECTOR = 512;

    private final List<Op> pendingOps = new ArrayList<>();

    /**
     * @param inner    the node the program reads and writes; its current contents are the disk's
     * @param cutAfter writes that reach the disk (or may, until flushed) before the power is cut;
     *                 {@code Long.MAX_VALUE} for never
     */
    public FaultInjectingNode(BlockNode inner, long cutAfter) throws IOException {
        super(inner);
        this.cutAfter = cutAfter;
        ByteBuffer all = ByteBuffer.allocate((int) inner.size());
        inner.read(0, all);
        this.durable = new MemoryFileNode(inner.filename() + "#disk", all.array());
    }

    public synchronized long writes() {
        return writes;
    }

    public synchronized long flushes() {
        return flushes;
    }

    public synchronized boolean powerCut() {
        return powerCut;
    }

    /**
     * The disk after the crash: durable contents plus each pending write with probability 1/2
     * (in order), chosen by {@code random}.
     */
    public synchronized byte[] crashImage(Random random) throws IOException {
        return crashImage(random, false);
    }

    /**
     * The disk after the crash, as {@link #crashImage(Random)}; with {@code torn}, a pending write
     * chosen to land may also land only in part, sector by sector.
     */
    public synchronized byte[] crashImage(Random random, boolean torn) throws IOException {
        MemoryFileNode disk = new MemoryFileNode("crash", durable.contents());
        for (Op op : pendingOps) {
            if (!random.nextBoolean()) {
                continue;
            }
            if (torn && op instanceof Write w && random.nextBoolean()) {
                w.applyTorn(disk, random);
            } else {
                op.apply(disk);
            }
        }
        return disk.contents();
    }

    private synchronized void record(Op op) {
        if (powerCut) {
            return;
        }
        writes++;
        pendingOps.add(op);
        if (writes >= cutAfter) {
            powerCut = true;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        byte[] copy = new byte[src.remaining()];
        src.duplicate().get(copy);
        inner.write(offset, src);
        record(new Write(offset, copy));
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        inner.writeZeroes(offset, length, mayUnmap);
        record(node -> node.writeZeroes(offset, length, mayUnmap));
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        inner.discard(offset, length);
        record(node -> node.discard(offset, length));
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
        synchronized (this) {
            flushes++;
            if (powerCut) {
                return;
            }
            for (Op op : pendingOps) {
                op.apply(durable);
            }
            pendingOps.clear();
        }
    }

    @Override
    public void resize(long newSize) throws IOException {
        inner.resize(newSize);
        record(node -> node.resize(newSize));
    }

    /**
     * Only this node's own capabilities: one looked up on the wrapped node (a copy offload, say)
     * would write past the recording, and the crash image would miss it.
     */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }
}
