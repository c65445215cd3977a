package dev.jimg.formats.hardening;

import dev.jimg.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;

/**
 * A seeded random guest — writes, write-zeroes (with and without unmap), discards and flushes —
 * applied to a node and to a model of what each byte must read. A discarded byte is unknown
 * (formats may read it as before, as zeroes or as backing data) until written again.
 *
 * <p>The model also tracks what a crash must keep: the contents at the last completed flush,
 * and which bytes were written since (those may read as old, new or torn after a crash).
 */
final class GuestModel {
    private final Random random;
    private final int size;
    private final int unit;
    final byte[] contents;
    final BitSet known = new BitSet();
    final byte[] flushed;
    final BitSet flushedKnown = new BitSet();
    final BitSet changedSinceFlush = new BitSet();
    String last = "";

    /**
     * @param initial what the image reads before the first operation
     * @param unit    the format's allocation unit: a third of the operations cover whole units
     */
    GuestModel(long seed, byte[] initial, int unit) {
        this.random = new Random(seed);
        this.size = initial.length;
        this.unit = unit;
        this.contents = initial.clone();
        this.flushed = initial.clone();
        known.set(0, size);
        flushedKnown.set(0, size);
    }

    /** One random operation; returns true if it was a flush. */
    boolean step(BlockNode node) throws IOException {
        int kind = random.nextInt(10);
        long off = (long) (random.nextDouble() * size);
        int len = (int) Math.min(size - off, 1 + random.nextInt(3 * 4096));
        if (random.nextInt(3) == 0) {
            off = off / unit * unit;
            len = (int) Math.min(size - off, (long) unit * (1 + random.nextInt(2)));
        } else if (random.nextBoolean()) {
            off = off / 512 * 512;
            len = (len + 511) / 512 * 512;
            len = (int) Math.min(size - off, len);
        }
        if (len <= 0) {
            return false;
        }
        last = "kind=" + kind + " off=" + off + " len=" + len;
        int from = (int) off;
        switch (kind) {
            case 0, 1, 2, 3, 4 -> {
                byte[] data = new byte[len];
                byte fill = (byte) (1 + random.nextInt(255));
                for (int j = 0; j < len; j++) {
                    data[j] = (byte) (fill + (from + j) / 512);
                }
                node.write(off, ByteBuffer.wrap(data));
                System.arraycopy(data, 0, contents, from, len);
                known.set(from, from + len);
            }
            case 5, 6 -> {
                boolean unmap = random.nextBoolean();
                last += " unmap=" + unmap;
                node.writeZeroes(off, len, unmap);
                Arrays.fill(contents, from, from + len, (byte) 0);
                known.set(from, from + len);
            }
            case 7 -> {
                node.discard(off, len);
                known.clear(from, from + len);
            }
            default -> {
                node.flush();
                return true;
            }
        }
        changedSinceFlush.set(from, from + len);
        return false;
    }

    /** Records that a flush completed: what the model holds now is what a crash must keep. */
    void flushed() {
        System.arraycopy(contents, 0, flushed, 0, size);
        flushedKnown.clear();
        flushedKnown.or(known);
        changedSinceFlush.clear();
    }

    /** The first byte a crash must have kept that {@code actual} does not hold, or -1. */
    int firstLostFlushedByte(byte[] actual) {
        for (int b = flushedKnown.nextSetBit(0); b >= 0 && b < size; b = flushedKnown.nextSetBit(b + 1)) {
            if (!changedSinceFlush.get(b) && actual[b] != flushed[b]) {
                return b;
            }
        }
        return -1;
    }

    /** The first byte that differs from the model where the model knows it, or -1. */
    int firstDifference(byte[] actual) {
        for (int b = known.nextSetBit(0); b >= 0 && b < size; b = known.nextSetBit(b + 1)) {
            if (actual[b] != contents[b]) {
                return b;
            }
        }
        return -1;
    }
}
