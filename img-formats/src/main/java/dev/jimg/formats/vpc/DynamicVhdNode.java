package dev.jimg.formats.vpc;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.spi.BackingReads;
import dev.jimg.block.spi.BlockWalk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A dynamic or differencing VHD: the guest address space is cut into blocks (2 MiB by default),
 * each either absent (a BAT entry of 0xFFFFFFFF) or stored in the file as a sector bitmap followed
 * by the block's data. A new block is appended where the footer was, and the footer moves behind
 * it, as QEMU and Virtual PC do.
 *
 * <p>Dynamic disks read absent blocks as zero and ignore the sector bitmap (as QEMU does: writers
 * set every bit of a block they allocate). Differencing disks read absent blocks, and sectors
 * whose bitmap bit is clear, from the parent; they are read-only here.
 *
 * <p><b>Concurrency.</b> The BAT is an atomic array: reads and writes to allocated blocks take no
 * lock. Allocation is serialised by {@link #allocationLock}, which also guards the end of the
 * used file area; a writer re-checks the entry under the lock, so two writers never allocate the
 * same block twice.
 */
final class DynamicVhdNode extends VhdNode {
    static final int UNALLOCATED = -1;
    private static final int SECTOR = 512;
    private static final int SECTORS_PER_BITMAP_BYTE = 8;

    private final long blockSize;
    private final int bitmapSize;
    private final long batOffset;
    private final AtomicIntegerArray bat;
    private final byte[] footer;
    private final BlockNode parent;
    private final BackingReference parentReference;
    private final ReentrantLock allocationLock = new ReentrantLock();
    /** Where the next block goes (and the footer lies). Guarded by {@link #allocationLock}. */
    private long freeOffset;

    /**
     * @param parent          the opened parent of a differencing disk, or {@code null}
     * @param parentReference the parent as the image names it, or {@code null} for a dynamic disk
     */
    DynamicVhdNode(BlockNode file, long size, long blockSize, long batOffset, AtomicIntegerArray bat, long freeOffset,
            byte[] footer, BlockNode parent, BackingReference parentReference) {
        super(file, size);
        this.blockSize = blockSize;
        this.bitmapSize = bitmapSize(blockSize);
        this.batOffset = batOffset;
        this.bat = bat;
        this.freeOffset = freeOffset;
        this.footer = footer.clone();
        this.parent = parent;
        this.parentReference = parentReference;
    }

    /** Bytes of the sector bitmap before each block: one bit per sector, padded to a sector. */
    static int bitmapSize(long blockSize) {
        return (int) (((blockSize / (SECTORS_PER_BITMAP_BYTE * SECTOR)) + SECTOR - 1) & ~(SECTOR - 1L));
    }

    private boolean isDifferencing() {
        return parentReference != null;
    }

    private int entry(long blockIndex) {
        return blockIndex < bat.length() ? bat.get((int) blockIndex) : UNALLOCATED;
    }

    /** The file offset of byte {@code inBlock} of the block whose BAT entry is {@code entry}. */
    private long hostOffset(int entry, long inBlock) {
        return (entry & 0xFFFFFFFFL) * SECTOR + bitmapSize + inBlock;
    }

    /** Where the data of block {@code index} starts in the file, or -1 if the block is absent. */
    private long hostBlock(long index) {
        int e = entry(index);
        return e == UNALLOCATED ? -1 : hostOffset(e, 0);
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkRange(pos, dst.remaining());
        BlockWalk.forEachBlock(pos, dst, blockSize, (block, inBlock, part) -> {
            int e = entry(block);
            long p = block * blockSize + inBlock;
            if (e == UNALLOCATED) {
                readBelow(p, part);
            } else if (isDifferencing()) {
                readBySectorBitmap(e, p, inBlock, part);
            } else {
                file.read(hostOffset(e, inBlock), part);
            }
        });
    }

    /** Bytes this image does not hold: the parent's for a differencing disk, else zero. */
    private void readBelow(long pos, ByteBuffer part) throws IOException {
        BackingReads.read(parent, pos, part);
    }

    private void readBySectorBitmap(int e, long pos, long inBlock, ByteBuffer part) throws IOException {
        byte[] bitmap = readBitmap(e);
        long p = pos;
        long in = inBlock;
        while (part.hasRemaining()) {
            boolean present = sectorPresent(bitmap, in / SECTOR);
            int n = (int) Math.min(part.remaining(), runEnd(bitmap, in, present, in + part.remaining()) - in);
            ByteBuffer run = part.slice(part.position(), n);
            if (present) {
                file.read(hostOffset(e, in), run);
            } else {
                readBelow(p, run);
            }
            part.position(part.position() + n);
            p += n;
            in += n;
        }
    }

    private byte[] readBitmap(int e) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bitmapSize);
        file.read((e & 0xFFFFFFFFL) * SECTOR, b);
        return b.array();
    }

    /** The specification numbers sectors from the most significant bit of each bitmap byte. */
    private static boolean sectorPresent(byte[] bitmap, long sector) {
        return (bitmap[(int) (sector >>> 3)] & (0x80 >>> (sector & 7))) != 0;
    }

    /** The end (in-block byte offset, at most {@code limit}) of the run of sectors with bit {@code present}. */
    private static long runEnd(byte[] bitmap, long inBlock, boolean present, long limit) {
        long end = (inBlock / SECTOR + 1) * SECTOR;
        while (end < limit && sectorPresent(bitmap, end / SECTOR) == present) {
            end += SECTOR;
        }
        return Math.min(end, limit);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        checkWritable();
        checkRange(pos, src.remaining());
        BlockWalk.forEachBlock(pos, src, blockSize,
                (block, inBlock, part) -> file.write(hostOffset(allocate(block), inBlock), part));
    }

    /**
     * The BAT entry of block {@code index}, allocating the block if needed: its bitmap (all set,
     * as QEMU writes it) goes where the footer was, the footer moves past the block, and only
     * then, after a flush, does the BAT point at the block, so that a crash leaves either the old
     * image or the new block, never a BAT entry beyond the end of the file.
     */
    private int allocate(long index) throws IOException {
        int e = entry(index);
        if (e != UNALLOCATED) {
            return e;
        }
        allocationLock.lock();
        try {
            e = entry(index);
            if (e != UNALLOCATED) {
                return e;
            }
            long blockStart = freeOffset;
            long newFree = blockStart + bitmapSize + blockSize;
            if (blockStart / SECTOR >= 0xFFFFFFFFL) {
                throw new ImageException(filename(), "VHD image file is full: block offset " + blockStart
                        + " cannot be stored in the block allocation table");
            }
            long oldFileSize = file.size();
            byte[] bitmap = new byte[bitmapSize];
            Arrays.fill(bitmap, (byte) 0xFF);
            file.write(blockStart, ByteBuffer.wrap(bitmap));
            long dataStart = blockStart + bitmapSize;
            if (oldFileSize > dataStart) {
                // Bytes beyond the footer (left by another writer) must not show through as data.
                file.writeZeroes(dataStart, Math.min(oldFileSize, newFree) - dataStart, false);
            }
            file.write(newFree, ByteBuffer.wrap(footer));
            file.flush();
            e = (int) (blockStart / SECTOR);
            ByteBuffer be = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(0, e);
            file.write(batOffset + 4 * index, be);
            bat.set((int) index, e);
            freeOffset = newFree;
            return e;
        } finally {
            allocationLock.unlock();
        }
    }

    /** Absent blocks already read as zero; allocated ones get their bytes zeroed (or punched). */
    @Override
    public void writeZeroes(long pos, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(pos, length);
        BlockWalk.forEachMapped(pos, length, blockSize, this::hostBlock,
                (host, n) -> file.writeZeroes(host, n, mayUnmap));
    }

    @Override
    public void discard(long pos, long length) throws IOException {
        checkWritable();
        checkRange(pos, length);
        BlockWalk.forEachMapped(pos, length, blockSize, this::hostBlock, file::discard);
    }

    /**
     * Allocated blocks are data at their host offset (one block per answer: bitmaps separate
     * them in the file); runs of absent blocks are zero, or unallocated for a differencing disk.
     */
    @Override
    public Extent blockStatus(long pos, long length) throws IOException {
        long len = statusLength(pos, length);
        long inBlock = pos % blockSize;
        int e = entry(pos / blockSize);
        if (e == UNALLOCATED) {
            long end = pos + len;
            long p = pos - inBlock + blockSize;
            while (p < end && entry(p / blockSize) == UNALLOCATED) {
                p += blockSize;
            }
            long n = Math.min(p, end) - pos;
            return isDifferencing() ? Extent.unallocated(pos, n) : Extent.zero(pos, n);
        }
        long n = Math.min(len, blockSize - inBlock);
        if (isDifferencing()) {
            byte[] bitmap = readBitmap(e);
            boolean present = sectorPresent(bitmap, inBlock / SECTOR);
            n = runEnd(bitmap, inBlock, present, inBlock + n) - inBlock;
            if (!present) {
                return Extent.unallocated(pos, n);
            }
        }
        return Extent.data(pos, n, hostOffset(e, inBlock), file.filename());
    }

    @Override
    public OptionalInt clusterSize() {
        return OptionalInt.of((int) Math.min(Integer.MAX_VALUE, blockSize));
    }

    /** A new dynamic disk reads as zero; a differencing one shows its parent. */
    @Override
    public boolean hasZeroInit() {
        return !isDifferencing();
    }

    @Override
    public boolean supportsBacking() {
        return isDifferencing();
    }

    @Override
    public Optional<BlockNode> backing() {
        return Optional.ofNullable(parent);
    }

    @Override
    public Optional<BackingReference> backingReference() {
        return Optional.ofNullable(parentReference);
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        } finally {
            if (parent != null) {
                parent.close();
            }
        }
    }
}
