package dev.jimg.formats.qcow2;

import dev.jimg.block.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a whole new refcount structure from counted references (QEMU's
 * {@code rebuild_refcount_structure}), used by {@code check -r all} when the old one cannot be
 * trusted and by {@code amend -o refcount_bits=…} to change the refcount width. The new table and
 * blocks go after everything in use; the header switches to them only once they are on disk, so
 * a crash leaves the old structure in charge. The old clusters are then leaked, for the caller
 * to free.
 */
final class RefcountRebuild {
    private final Qcow2State s;

    RefcountRebuild(Qcow2State s) {
        this.s = s;
    }

    void rebuild(ReferenceTally refs, int order) throws IOException {
        Geometry g = s.geometry();
        int cs = g.clusterSize();
        RefcountField field = new RefcountField(order);
        long perBlock = field.entriesPerBlock(cs);
        long highest = refs.highest();
        for (long c = 0; c <= highest; c++) {
            long v = refs.get(c);
            if (v > field.max()) {
                throw new ImageException(s.filename(), "Cannot decrease refcount entry width to " + field.bits()
                        + " bits: Cluster at offset 0x" + Long.toHexString(c << g.clusterBits())
                        + " has a refcount of " + v);
            }
        }
        long start = Math.max(highest + 1, g.sizeToClusters(s.file().size()));
        long tableClusters = 1;
        List<Long> blocks;
        while (true) {
            long areaEndGuess = start + tableClusters;
            blocks = new ArrayList<>();
            // Blocks for what is in use plus the new area; the area's own blocks are counted too.
            long guessBlocks = 0;
            while (true) {
                long areaEnd = areaEndGuess + guessBlocks;
                blocks = nonEmptyBlocks(refs, highest, start, areaEnd, perBlock);
                if (blocks.size() == guessBlocks) {
                    break;
                }
                guessBlocks = blocks.size();
            }
            long maxBlock = blocks.isEmpty() ? 0 : blocks.get(blocks.size() - 1);
            long needTable = Limits.divCeil((maxBlock + 1) * 8, cs);
            if (needTable <= tableClusters) {
                break;
            }
            tableClusters = needTable;
        }
        long areaEnd = start + tableClusters + blocks.size();
        for (long c = start; c < areaEnd; c++) {
            refs.set(c, 1);
        }
        long[] table = new long[(int) (tableClusters * cs / 8)];
        long next = start + tableClusters;
        for (long b : blocks) {
            byte[] block = new byte[cs];
            long first = b * perBlock;
            for (int i = 0; i < perBlock; i++) {
                long v = refs.get(first + i);
                if (v != 0) {
                    field.set(block, i, v);
                }
            }
            long offset = next << g.clusterBits();
            s.file().write(offset, ByteBuffer.wrap(block));
            table[(int) b] = offset;
            next++;
        }
        s.file().flush();
        ByteBuffer t = ByteBuffer.allocate((int) (tableClusters * cs)).order(ByteOrder.BIG_ENDIAN);
        t.asLongBuffer().put(table);
        long tableOffset = start << g.clusterBits();
        s.file().write(tableOffset, t);
        s.file().flush();
        s.writeHeader(s.header().withRefcountTable(tableOffset, (int) tableClusters, order));
        s.file().flush();
        s.refcounts().reload(s.header());
    }

    /** Block indices that will hold a non-zero refcount: used clusters and the new area {@code [start, areaEnd)}. */
    private static List<Long> nonEmptyBlocks(ReferenceTally refs, long highest, long start, long areaEnd, long perBlock) {
        List<Long> out = new ArrayList<>();
        long lastBlock = (areaEnd - 1) / perBlock;
        for (long b = 0; b <= lastBlock; b++) {
            long first = b * perBlock;
            long last = first + perBlock - 1;
            boolean used = first < areaEnd && last >= start;
            for (long c = first; !used && c <= Math.min(last, highest); c++) {
                used = refs.get(c) != 0;
            }
            if (used) {
                out.add(b);
            }
        }
        return out;
    }
}
