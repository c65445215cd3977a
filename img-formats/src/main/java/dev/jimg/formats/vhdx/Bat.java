package dev.jimg.formats.vhdx;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The block allocation table: one little-endian u64 per payload block, with a sector bitmap
 * entry after every {@link #chunkRatio} payload entries (VHDX specification section 2.5). Each
 * entry holds a state in bits 0-2 and the block's file offset in MiB in bits 20-63.
 *
 * <p>Entries live in an atomic array so that readers need no lock; changes are made under the
 * node's metadata lock, which also guards the set of BAT sectors changed since the last flush.
 */
final class Bat {
    static final int PAYLOAD_NOT_PRESENT = 0;
    static final int PAYLOAD_UNDEFINED = 1;
    static final int PAYLOAD_ZERO = 2;
    static final int PAYLOAD_UNMAPPED = 3;
    /** The value an early draft of the specification (0.95) gave "unmapped"; QEMU reads it as such. */
    static final int PAYLOAD_UNMAPPED_V095 = 5;
    static final int PAYLOAD_FULLY_PRESENT = 6;
    static final int PAYLOAD_PARTIALLY_PRESENT = 7;

    static final long STATE_MASK = 7;
    static final long OFFSET_MASK = 0xFFFFFFFFFFF00000L;
    static final int ENTRY_SIZE = 8;
    /** The BAT is written back (through the log) in sectors of this size. */
    static final int SECTOR = 4096;
    /** 2^23: sectors covered by one sector bitmap block (1 MiB of bits). */
    private static final long SECTORS_PER_BITMAP = 1L << 23;

    private final long fileOffset;
    private final long blockSize;
    private final long chunkRatio;
    private final long payloadBlocks;
    private final AtomicLongArray entries;
    private final BitSet dirtySectors = new BitSet();

    private Bat(long fileOffset, long blockSize, long chunkRatio, long payloadBlocks, AtomicLongArray entries) {
        this.fileOffset = fileOffset;
        this.blockSize = blockSize;
        this.chunkRatio = chunkRatio;
        this.payloadBlocks = payloadBlocks;
        this.entries = entries;
    }

    /** Payload blocks per sector bitmap block: 2^23 × logical sector size / block size. */
    static long chunkRatio(long blockSize, int logicalSectorSize) {
        return SECTORS_PER_BITMAP * logicalSectorSize / blockSize;
    }

    static long payloadBlocks(long virtualSize, long blockSize) {
        return (virtualSize + blockSize - 1) / blockSize;
    }

    /**
     * The entry count QEMU computes (and checks against the BAT region's length), in its 32-bit
     * arithmetic: for an empty disk the count wraps to a large value, so a BAT region written for
     * QEMU must be that large.
     */
    static long qemuEntryCount(long virtualSize, long blockSize, int logicalSectorSize) {
        long dataBlocks = payloadBlocks(virtualSize, blockSize) & 0xFFFFFFFFL;
        int chunkBits = Long.numberOfTrailingZeros(chunkRatio(blockSize, logicalSectorSize));
        return (dataBlocks + (((dataBlocks - 1) & 0xFFFFFFFFL) >>> chunkBits)) & 0xFFFFFFFFL;
    }

    /** The BAT index of payload block {@code block}: sector bitmap entries are interleaved. */
    long indexOf(long block) {
        return block + block / chunkRatio;
    }

    /** Entries needed to describe every payload block. */
    static long entriesUsed(long payloadBlocks, long chunkRatio) {
        return payloadBlocks == 0 ? 0 : payloadBlocks - 1 + (payloadBlocks - 1) / chunkRatio + 1;
    }

    /** Loads the entries of a BAT region, after checking that they fit in it. */
    static Bat read(BlockNode file, RegionTable.Region region, VhdxMetadata meta) throws IOException {
        long ratio = chunkRatio(meta.blockSize(), meta.logicalSectorSize());
        long blocks = payloadBlocks(meta.virtualDiskSize(), meta.blockSize());
        long used = entriesUsed(blocks, ratio);
        if (used * ENTRY_SIZE > region.length()) {
            throw new CorruptImageException("VHDX BAT region of " + region.length() + " bytes is too small for "
                    + used + " entries");
        }
        if (used > Integer.MAX_VALUE) {
            throw new CorruptImageException("VHDX BAT of " + used + " entries is too large");
        }
        AtomicLongArray entries = new AtomicLongArray((int) used);
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        int done = 0;
        while (done < used) {
            int n = (int) Math.min(used - done, chunk.capacity() / ENTRY_SIZE);
            chunk.clear().limit(n * ENTRY_SIZE);
            file.read(region.fileOffset() + (long) done * ENTRY_SIZE, chunk);
            for (int i = 0; i < n; i++) {
                entries.set(done + i, chunk.getLong(i * ENTRY_SIZE));
            }
            done += n;
        }
        return new Bat(region.fileOffset(), meta.blockSize(), ratio, blocks, entries);
    }

    long payloadBlocks() {
        return payloadBlocks;
    }

    long blockSize() {
        return blockSize;
    }

    /** The raw entry of payload block {@code block}. */
    long payload(long block) {
        return entries.get((int) indexOf(block));
    }

    static int state(long entry) {
        return (int) (entry & STATE_MASK);
    }

    static long fileOffset(long entry) {
        return entry & OFFSET_MASK;
    }

    /** Sets payload block {@code block}'s entry and remembers its BAT sector for the next flush. */
    void setPayload(long block, long entry) {
        int index = (int) indexOf(block);
        entries.set(index, entry);
        dirtySectors.set((int) ((long) index * ENTRY_SIZE / SECTOR));
    }

    boolean hasDirtySectors() {
        return !dirtySectors.isEmpty();
    }

    /** The file offsets of the BAT sectors changed since the last {@link #clearDirty}, ascending. */
    long[] dirtySectorOffsets() {
        return dirtySectors.stream().mapToLong(s -> fileOffset + (long) s * SECTOR).toArray();
    }

    void clearDirty() {
        dirtySectors.clear();
    }

    /**
     * The current contents of the BAT sector at {@code sectorOffset}: the entries held here over
     * what the file has (the region may extend past the entries in use).
     */
    byte[] sectorBytes(BlockNode file, long sectorOffset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        file.read(sectorOffset, b);
        long first = (sectorOffset - fileOffset) / ENTRY_SIZE;
        for (int i = 0; i < SECTOR / ENTRY_SIZE; i++) {
            long index = first + i;
            if (index < entries.length()) {
                b.putLong(i * ENTRY_SIZE, entries.get((int) index));
            }
        }
        return b.array();
    }

    /** Whether BAT index {@code index} is a sector bitmap entry rather than a payload entry. */
    boolean isBitmapIndex(long index) {
        return (index + 1) % (chunkRatio + 1) == 0;
    }

    int entryCount() {
        return entries.length();
    }

    long entry(int index) {
        return entries.get(index);
    }
}
