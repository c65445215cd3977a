package dev.jimg.formats.vdi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The VDI block map: one little-endian u32 per guest block, the index of the data block holding
 * it or one of two markers (VirtualBox's {@code VDI_IMAGE_BLOCK_FREE} and
 * {@code VDI_IMAGE_BLOCK_ZERO}). Entries are read without locking; the owner changes them under
 * its metadata lock.
 */
final class BlockMap {
    /** Not allocated: reads as zero, or in a differencing image as the parent's data. */
    static final int FREE = 0xffffffff;
    /** Discarded or zeroed: reads as zero, even in a differencing image. */
    static final int ZERO = 0xfffffffe;
    /** Entries per 512-byte map sector, the unit in which changes are written back. */
    static final int ENTRIES_PER_SECTOR = VdiHeader.SECTOR_SIZE / 4;

    private final AtomicIntegerArray entries;

    BlockMap(int blocks) {
        entries = new AtomicIntegerArray(blocks);
        for (int i = 0; i < blocks; i++) {
            entries.set(i, FREE);
        }
    }

    private BlockMap(AtomicIntegerArray entries) {
        this.entries = entries;
    }

    /** Decodes {@code blocks} entries from the bytes stored at {@code offset_bmap}. */
    static BlockMap decode(ByteBuffer stored, int blocks) {
        ByteBuffer b = stored.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        AtomicIntegerArray a = new AtomicIntegerArray(blocks);
        for (int i = 0; i < blocks; i++) {
            a.set(i, b.getInt(i * 4));
        }
        return new BlockMap(a);
    }

    static boolean isAllocated(int entry) {
        return Integer.compareUnsigned(entry, ZERO) < 0;
    }

    int size() {
        return entries.length();
    }

    int get(int block) {
        return entries.get(block);
    }

    void set(int block, int entry) {
        entries.set(block, entry);
    }

    /** The map sectors {@code [firstSector, lastSector]} as stored, FREE-padded past the last entry. */
    ByteBuffer encodeSectors(int firstSector, int lastSector) {
        int count = lastSector - firstSector + 1;
        ByteBuffer b = ByteBuffer.allocate(count * VdiHeader.SECTOR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int first = firstSector * ENTRIES_PER_SECTOR;
        for (int i = 0; i < count * ENTRIES_PER_SECTOR; i++) {
            int block = first + i;
            b.putInt(block < entries.length() ? entries.get(block) : FREE);
        }
        return b.flip();
    }

    /** A copy with {@code blocks} entries: truncated, or extended with FREE. */
    BlockMap resized(int blocks) {
        BlockMap m = new BlockMap(blocks);
        for (int i = 0; i < Math.min(blocks, entries.length()); i++) {
            m.set(i, entries.get(i));
        }
        return m;
    }

    /** Bytes the stored map occupies, whole sectors. */
    static long storedBytes(long blocks) {
        return VdiHeader.alignSector(blocks * 4);
    }
}
