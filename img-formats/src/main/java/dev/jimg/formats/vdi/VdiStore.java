package dev.jimg.formats.vdi;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.block.ProgressListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The metadata half of an open VDI: header, block map and the reverse map from data blocks to
 * guest blocks, and every change to them — allocation, freeing, packing, resizing — written back
 * as it happens. Callers hold the owning node's metadata lock (and, for anything that moves data
 * blocks, its exclusive relocation lock); this class does no locking of its own.
 *
 * <p>Allocated data blocks are kept dense: indices {@code 0 .. blocks_allocated-1} are all in
 * use, as VirtualBox keeps them, so that a new block always goes to the end of the file and a
 * freed block is refilled by moving the last one into it.
 *
 * <p><b>Crash safety.</b> The header's count and the map entries live in different sectors, which
 * a power cut can keep or lose independently, so every change is ordered by flushes: a new data
 * block reaches the disk before the count that includes it, the count before the map entry that
 * uses it; a freed entry before the block moved into its place, the moved data before the entry
 * that points to it, that entry before the count shrinks. A cut can then leave only a count one
 * or more above the blocks in use at the end of the data area — qemu-img check's "allocated blocks
 * mismatch" — which {@link #recoverInterruptedAllocation} gives back at the next writable open.
 */
final class VdiStore {
    private final BlockNode file;
    private final String filename;
    final VdiHeader header;
    BlockMap map;
    /** Guest block stored in each data block; valid when {@link #damage} is null. */
    private int[] owner;
    /** Why the map cannot be written safely (shared or out-of-range data blocks), or null. */
    private final String damage;

    VdiStore(BlockNode file, String filename, VdiHeader header, BlockMap map) {
        this.file = file;
        this.filename = filename;
        this.header = header;
        this.map = map;
        this.owner = new int[Math.max(16, (int) header.blocksAllocated)];
        this.damage = buildOwners();
    }

    private String buildOwners() {
        Arrays.fill(owner, -1);
        for (int b = 0; b < map.size(); b++) {
            int e = map.get(b);
            if (!BlockMap.isAllocated(e)) {
                continue;
            }
            if (Integer.toUnsignedLong(e) >= header.blocksAllocated) {
                return "block " + b + " points to data block " + Integer.toUnsignedString(e)
                        + " but only " + header.blocksAllocated + " are allocated";
            }
            if (owner[e] >= 0) {
                return "blocks " + owner[e] + " and " + b + " share data block " + e;
            }
            owner[e] = b;
        }
        return null;
    }

    /** Fails unless the map is consistent enough to be changed without overwriting live data. */
    void requireWritableMap() {
        if (damage != null) {
            throw new CorruptImageException(filename, "The VDI block map is damaged (" + damage
                    + "); refusing to write. Run 'check' for details");
        }
    }

    /**
     * The file offset of guest block {@code block}'s data block {@code entry}, verified to lie
     * in the file: a map entry pointing past the end is corruption, not a hole.
     */
    long hostOffset(int block, int entry) throws IOException {
        long offset = header.dataOffset(Integer.toUnsignedLong(entry));
        long size = file.size();
        if (offset >= size) {
            throw new CorruptImageException(filename, "VDI block map entry " + block + " points to data block "
                    + Integer.toUnsignedString(entry) + " at offset " + offset + ", past the end of the file ("
                    + size + " bytes)");
        }
        return offset;
    }

    /** Reserves the next data block at the end of the data area. */
    int reserveDataBlock() {
        requireWritableMap();
        long index = header.blocksAllocated;
        if (index >= header.blocksInImage) {
            throw new CorruptImageException(filename, "VDI image has no free data block left (" + index
                    + " of " + header.blocksInImage + " allocated)");
        }
        header.blocksAllocated++;
        if (index >= owner.length) {
            owner = Arrays.copyOf(owner, (int) Math.min(Math.max(owner.length * 2L, index + 1), header.blocksInImage));
        }
        owner[(int) index] = -1;
        return (int) index;
    }

    /** Points {@code block} at the reserved data block {@code index} (already written) and writes the change back. */
    void commitAllocation(int block, int index) throws IOException {
        map.set(block, index);
        owner[index] = block;
        file.flush();
        writeHeader();
        file.flush();
        writeMapEntries(block, block);
    }

    /**
     * Gives back data blocks counted by the header but used by no map entry — what a power cut in
     * the middle of an allocation or a free leaves — by moving the last blocks into the holes as
     * {@link #freeBlock} would have, then shrinking the count. Returns how many were given back.
     */
    int recoverInterruptedAllocation() throws IOException {
        if (damage != null) {
            return 0;
        }
        int before = (int) header.blocksAllocated;
        int count = before;
        int hole = 0;
        while (true) {
            while (count > 0 && owner[count - 1] < 0) {
                count--;
            }
            while (hole < count && owner[hole] >= 0) {
                hole++;
            }
            if (hole >= count) {
                break;
            }
            moveDataBlock(count - 1, hole);
            count--;
        }
        if (count == before) {
            return 0;
        }
        file.flush();
        header.blocksAllocated = count;
        writeHeader();
        file.flush();
        truncateToData();
        return before - count;
    }

    /** Sets a marker entry (FREE or ZERO) for an unallocated block and writes it back. */
    void setMarker(int block, int marker) throws IOException {
        map.set(block, marker);
        writeMapEntries(block, block);
    }

    /**
     * Frees guest block {@code block}'s data block, leaving {@code marker} in its entry, and keeps
     * the data area dense by moving the last data block into the hole. The entry is cleared first,
     * so a crash in between leaves a leaked block, never a block reading another's data.
     */
    void freeBlock(int block, int marker) throws IOException {
        requireWritableMap();
        int index = map.get(block);
        if (!BlockMap.isAllocated(index)) {
            return;
        }
        map.set(block, marker);
        owner[index] = -1;
        writeMapEntries(block, block);
        int last = (int) header.blocksAllocated - 1;
        if (index != last) {
            file.flush();
            moveDataBlock(last, index);
        }
        file.flush();
        header.blocksAllocated--;
        writeHeader();
        truncateToData();
    }

    /** Copies data block {@code from} to {@code to} and repoints its guest block. */
    private void moveDataBlock(int from, int to) throws IOException {
        int guest = owner[from];
        ByteBuffer buf = ByteBuffer.allocate(header.blockSize);
        file.read(header.dataOffset(from), buf);
        file.write(header.dataOffset(to), buf.flip());
        file.flush();
        if (guest >= 0) {
            map.set(guest, to);
            owner[to] = guest;
            writeMapEntries(guest, guest);
        }
        owner[from] = -1;
    }

    /** Shrinks the file to the end of the last data block if it is longer. */
    long truncateToData() throws IOException {
        long end = header.dataOffset(header.blocksAllocated);
        long size = file.size();
        if (size > end) {
            file.resize(end);
            return size - end;
        }
        return 0;
    }

    /** Decides whether a guest block's data reads as all zeroes. */
    @FunctionalInterface
    interface ZeroTest {
        boolean isZero(int block) throws IOException;
    }

    /**
     * Frees every allocated block that {@code isZero} says reads as zero, then packs the data
     * area; returns the bytes the file shrank by.
     */
    long compact(ZeroTest isZero, int zeroMarker, ProgressListener progress) throws IOException {
        requireWritableMap();
        long before = file.size();
        int blocks = map.size();
        for (int b = 0; b < blocks; b++) {
            if (BlockMap.isAllocated(map.get(b)) && isZero.isZero(b)) {
                freeBlock(b, zeroMarker);
            }
            progress.progress(b + 1, blocks);
        }
        truncateToData();
        return before - file.size();
    }

    /**
     * Changes the number of guest blocks. Shrinking frees the blocks past the end; growing a map
     * that no longer fits before {@code offset_data} moves the first data blocks to the end of the
     * file and advances {@code offset_data} by whole blocks, so no other block moves.
     */
    void resize(long newDiskSize) throws IOException {
        requireWritableMap();
        long newBlocks = (newDiskSize + header.blockSize - 1) / header.blockSize;
        if (newBlocks > VdiHeader.MAX_BLOCKS) {
            throw new ImageException(filename, "Unsupported VDI image size (size is " + newDiskSize
                    + ", max supported is " + VdiHeader.MAX_DISK_SIZE + ")");
        }
        int oldBlocks = map.size();
        for (int b = (int) newBlocks; b < oldBlocks; b++) {
            freeBlock(b, BlockMap.FREE);
        }
        long mapEnd = header.offsetBmap + BlockMap.storedBytes(newBlocks);
        if (mapEnd > header.offsetData) {
            makeRoomForMap(mapEnd);
        }
        map = map.resized((int) newBlocks);
        header.blocksInImage = newBlocks;
        header.diskSize = newDiskSize;
        if (header.type == VdiHeader.Type.STATIC) {
            for (int b = oldBlocks; b < newBlocks; b++) {
                int index = reserveDataBlock();
                commitAllocation(b, index);
            }
            file.resize(header.dataOffset(header.blocksAllocated));
        }
        writeHeader();
        writeMapEntries(0, (int) Math.max(0, newBlocks - 1));
    }

    /**
     * Advances {@code offset_data} by whole blocks until the map ends before it. Data block
     * {@code j >= m} keeps its place and becomes {@code j - m}; the first {@code m} data blocks,
     * now under the map, are copied past the end of the data area first.
     */
    private void makeRoomForMap(long mapEnd) throws IOException {
        long m = (mapEnd - header.offsetData + header.blockSize - 1) / header.blockSize;
        int count = (int) header.blocksAllocated;
        long oldOffsetData = header.offsetData;
        long newOffsetData = oldOffsetData + m * header.blockSize;
        if (newOffsetData > 0xffffffffL) {
            throw new ImageException(filename, "Cannot grow the VDI block map: the data area would start past 4 GiB");
        }
        int[] newIndex = new int[count];
        ByteBuffer buf = ByteBuffer.allocate(header.blockSize);
        for (int j = 0; j < count; j++) {
            if (j >= m) {
                newIndex[j] = (int) (j - m);
            } else {
                newIndex[j] = (int) (Math.max(count - m, 0) + j);
                file.read(oldOffsetData + (long) j * header.blockSize, buf.clear());
                file.write(newOffsetData + (long) newIndex[j] * header.blockSize, buf.flip());
            }
        }
        file.flush();
        int[] newOwner = new int[Math.max(owner.length, count)];
        Arrays.fill(newOwner, -1);
        for (int j = 0; j < count; j++) {
            int guest = owner[j];
            newOwner[newIndex[j]] = guest;
            if (guest >= 0) {
                map.set(guest, newIndex[j]);
            }
        }
        owner = newOwner;
        header.offsetData = newOffsetData;
    }

    int owner(int index) {
        return owner[index];
    }

    void writeHeader() throws IOException {
        file.write(0, ByteBuffer.wrap(header.toBytes()));
    }

    /** Writes the map sectors holding the entries of blocks {@code first..last}. */
    void writeMapEntries(int first, int last) throws IOException {
        if (map.size() == 0) {
            return;
        }
        int s0 = first / BlockMap.ENTRIES_PER_SECTOR;
        int s1 = last / BlockMap.ENTRIES_PER_SECTOR;
        file.write(header.offsetBmap + (long) s0 * VdiHeader.SECTOR_SIZE, map.encodeSectors(s0, s1));
    }
}
