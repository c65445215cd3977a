package dev.jimg.formats.vdi;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.Compactable;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.MakeEmpty;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.ProgressListener;
import dev.jimg.block.spi.BackingReads;
import dev.jimg.block.spi.BlockWalk;
import dev.jimg.block.spi.RequestChecks;
import dev.jimg.block.util.Buffers;
import dev.jimg.block.util.HostStatus;
import dev.jimg.block.util.ZeroDetector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * An open VDI image: dynamic, static, or differencing (a VirtualBox snapshot disk, whose free
 * blocks read through to its parent).
 *
 * <p><b>Locking.</b> Data I/O to allocated blocks runs in parallel under the shared side of
 * {@link #relocation}. Allocating a block takes that block's stripe lock (so two writers of one
 * new block allocate it once) and, briefly, {@link #metadata} for the header and map update.
 * Anything that moves data blocks (freeing a block, compact, resize) takes the exclusive side.
 */
final class VdiNode implements BlockNode, Checkable, Compactable, MakeEmpty {
    private static final int STRIPES = 64;

    private final BlockNode file;
    private final VdiStore store;
    private final VdiHeader header;
    private final boolean readOnly;
    private final BlockNode backing;
    private final BackingReference backingReference;
    private final ReentrantLock metadata = new ReentrantLock();
    private final ReentrantReadWriteLock relocation = new ReentrantReadWriteLock();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    /** Whether this session has already given the image a new modification UUID. */
    private boolean modified;

    VdiNode(BlockNode file, VdiStore store, boolean readOnly, BlockNode backing, BackingReference backingReference) {
        this.file = file;
        this.store = store;
        this.header = store.header;
        this.readOnly = readOnly;
        this.backing = backing;
        this.backingReference = backingReference;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    VdiHeader header() {
        return header;
    }

    @Override
    public String formatName() {
        return VdiDriver.NAME;
    }

    @Override
    public String filename() {
        return file.filename();
    }

    /** qemu rounds odd sizes (VBoxManage convertfromraw makes them) up to whole sectors. */
    @Override
    public long size() {
        return VdiHeader.alignSector(header.diskSize);
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public OptionalInt clusterSize() {
        return OptionalInt.of(header.blockSize);
    }

    @Override
    public Optional<BlockNode> file() {
        return Optional.of(file);
    }

    @Override
    public Optional<BlockNode> backing() {
        return Optional.ofNullable(backing);
    }

    @Override
    public Optional<BackingReference> backingReference() {
        return Optional.ofNullable(backingReference);
    }

    @Override
    public boolean supportsBacking() {
        return header.isDifferencing();
    }

    /** A static image's blocks read as whatever its (new, hence zero) file holds there, as qemu reasons. */
    @Override
    public boolean hasZeroInit() {
        if (header.isDifferencing()) {
            return false;
        }
        return header.type != VdiHeader.Type.STATIC || file.hasZeroInit();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        relocation.readLock().lock();
        try {
            BlockWalk.forEachBlock(offset, dst, header.blockSize,
                    (block, inBlock, chunk) -> readBlock((int) block, (int) inBlock, chunk));
        } finally {
            relocation.readLock().unlock();
        }
    }

    private void readBlock(int block, int inBlock, ByteBuffer chunk) throws IOException {
        int entry = store.map.get(block);
        if (BlockMap.isAllocated(entry)) {
            file.read(store.hostOffset(block, entry) + inBlock, chunk);
        } else if (entry == BlockMap.FREE && backing != null) {
            BackingReads.read(backing, (long) block * header.blockSize + inBlock, chunk);
        } else {
            Buffers.fillZero(chunk);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkWritable();
        checkRange(offset, src.remaining());
        relocation.readLock().lock();
        try {
            BlockWalk.forEachBlock(offset, src, header.blockSize,
                    (block, inBlock, chunk) -> writeBlock((int) block, (int) inBlock, chunk));
        } finally {
            relocation.readLock().unlock();
        }
    }

    private void writeBlock(int block, int inBlock, ByteBuffer chunk) throws IOException {
        int entry = store.map.get(block);
        if (BlockMap.isAllocated(entry)) {
            file.write(store.hostOffset(block, entry) + inBlock, chunk);
            markModified();
            return;
        }
        ReentrantLock stripe = stripes[block % STRIPES];
        stripe.lock();
        try {
            entry = store.map.get(block);
            if (BlockMap.isAllocated(entry)) {
                file.write(store.hostOffset(block, entry) + inBlock, chunk);
                markModified();
                return;
            }
            allocate(block, entry, inBlock, chunk);
        } finally {
            stripe.unlock();
        }
    }

    /**
     * Gives {@code block} a data block holding {@code chunk} at {@code inBlock} and, around it,
     * what the block read as before (zeroes, or the parent's data for a free block of a
     * differencing image). The data goes to the file before the map points at it.
     */
    private void allocate(int block, int oldEntry, int inBlock, ByteBuffer chunk) throws IOException {
        ByteBuffer full;
        if (inBlock == 0 && chunk.remaining() == header.blockSize) {
            full = chunk;
        } else {
            full = ByteBuffer.allocate(header.blockSize);
            if (oldEntry == BlockMap.FREE && backing != null) {
                BackingReads.read(backing, (long) block * header.blockSize, full);
                full.clear();
            }
            full.put(inBlock, chunk, chunk.position(), chunk.remaining());
        }
        int index;
        metadata.lock();
        try {
            index = store.reserveDataBlock();
        } finally {
            metadata.unlock();
        }
        file.write(header.dataOffset(index), full);
        metadata.lock();
        try {
            markModifiedLocked();
            store.commitAllocation(block, index);
        } finally {
            metadata.unlock();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(offset, length);
        zeroRange(offset, length, mayUnmap, false);
    }

    /**
     * Frees whole blocks of dynamic and differencing images; the rest of the range, and static
     * images, are left as they are, as a discard may.
     */
    @Override
    public void discard(long offset, long length) throws IOException {
        checkWritable();
        checkRange(offset, length);
        if (header.type != VdiHeader.Type.STATIC) {
            zeroRange(offset, length, true, true);
        }
    }

    private void zeroRange(long offset, long length, boolean mayUnmap, boolean wholeBlocksOnly) throws IOException {
        boolean canFree = mayUnmap && header.type != VdiHeader.Type.STATIC;
        BlockWalk.forEachBlock(offset, length, header.blockSize, (block, inBlock, n) -> {
            boolean whole = inBlock == 0 && (n == header.blockSize || block * header.blockSize + n == size());
            if (whole) {
                zeroWholeBlock((int) block, canFree);
            } else if (!wholeBlocksOnly) {
                zeroPartialBlock((int) block, (int) inBlock, (int) n, mayUnmap);
            }
        });
    }

    private void zeroWholeBlock(int block, boolean canFree) throws IOException {
        int entry = store.map.get(block);
        if (BlockMap.isAllocated(entry) && canFree) {
            relocation.writeLock().lock();
            try {
                metadata.lock();
                try {
                    markModifiedLocked();
                    store.freeBlock(block, BlockMap.ZERO);
                } finally {
                    metadata.unlock();
                }
            } finally {
                relocation.writeLock().unlock();
            }
        } else if (BlockMap.isAllocated(entry)) {
            zeroPartialBlock(block, 0, header.blockSize, false);
        } else if (entry == BlockMap.FREE && header.isDifferencing()) {
            metadata.lock();
            try {
                markModifiedLocked();
                store.setMarker(block, BlockMap.ZERO);
            } finally {
                metadata.unlock();
            }
        }
    }

    private void zeroPartialBlock(int block, int inBlock, int n, boolean mayUnmap) throws IOException {
        relocation.readLock().lock();
        try {
            int entry = store.map.get(block);
            if (BlockMap.isAllocated(entry)) {
                file.writeZeroes(store.hostOffset(block, entry) + inBlock, n, mayUnmap);
                markModified();
                return;
            }
            if (entry == BlockMap.FREE && backing != null) {
                writeBlock(block, inBlock, ByteBuffer.allocate(n));
            }
        } finally {
            relocation.readLock().unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        file.flush();
    }

    @Override
    public void resize(long newSize) throws IOException {
        checkWritable();
        if (newSize < 0 || newSize % VdiHeader.SECTOR_SIZE != 0) {
            throw new ImageException(filename(), "VDI image size must be a multiple of 512 bytes, got " + newSize);
        }
        if (newSize > VdiHeader.MAX_DISK_SIZE) {
            throw new ImageException(filename(), "Unsupported VDI image size (size is 0x" + Long.toHexString(newSize)
                    + ", max supported is 0x" + Long.toHexString(VdiHeader.MAX_DISK_SIZE) + ")");
        }
        relocation.writeLock().lock();
        try {
            metadata.lock();
            try {
                markModifiedLocked();
                store.resize(newSize);
            } finally {
                metadata.unlock();
            }
        } finally {
            relocation.writeLock().unlock();
        }
    }

    @Override
    public Extent blockStatus(long offset, long length) throws IOException {
        long end = offset + RequestChecks.statusLength(filename(), offset, length, size());
        relocation.readLock().lock();
        try {
            Extent first = blockExtent(offset, end);
            long pos = first.end();
            Extent run = first;
            while (pos < end) {
                Extent next = blockExtent(pos, end);
                if (!run.canMerge(next)) {
                    break;
                }
                run = run.merge(next);
                pos = next.end();
            }
            if (run.hasHostOffset() && header.type == VdiHeader.Type.STATIC) {
                return HostStatus.refineByFile(run, file);
            }
            return run;
        } finally {
            relocation.readLock().unlock();
        }
    }

    /**
     * One block's status, as qemu reports it: data at its host offset, zero for free or
     * discarded blocks of an image without parent; a differencing image leaves free blocks to
     * its parent.
     */
    private Extent blockExtent(long pos, long end) throws IOException {
        int block = (int) (pos / header.blockSize);
        int inBlock = (int) (pos % header.blockSize);
        long n = Math.min(end - pos, header.blockSize - inBlock);
        int entry = store.map.get(block);
        if (BlockMap.isAllocated(entry)) {
            return Extent.data(pos, n, store.hostOffset(block, entry) + inBlock, file.filename());
        }
        if (entry == BlockMap.FREE && header.isDifferencing()) {
            return Extent.unallocated(pos, n);
        }
        return Extent.zero(pos, n);
    }

    @Override
    public CheckResult check(Repair repair, Consumer<String> report) throws IOException {
        if (repair != Repair.NONE) {
            throw new NotSupportedException(filename(), "VDI images cannot be repaired; 'check' only reports");
        }
        relocation.readLock().lock();
        try {
            return VdiCheck.run(header, store.map, file.size(), report);
        } finally {
            relocation.readLock().unlock();
        }
    }

    @Override
    public long compact(ProgressListener progress) throws IOException {
        checkWritable();
        if (header.type == VdiHeader.Type.STATIC) {
            throw new NotSupportedException(filename(), "A static VDI image cannot be compacted");
        }
        int zeroMarker = header.isDifferencing() ? BlockMap.ZERO : BlockMap.FREE;
        relocation.writeLock().lock();
        try {
            metadata.lock();
            try {
                markModifiedLocked();
                return store.compact(this::blockReadsZero, zeroMarker, progress);
            } finally {
                metadata.unlock();
            }
        } finally {
            relocation.writeLock().unlock();
        }
    }

    private boolean blockReadsZero(int block) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(header.blockSize);
        file.read(store.hostOffset(block, store.map.get(block)), buf);
        return ZeroDetector.isZero(buf.flip());
    }

    /** Drops all of a differencing image's blocks so that it reads as its parent again. */
    @Override
    public void makeEmpty() throws IOException {
        checkWritable();
        if (!header.isDifferencing()) {
            throw new NotSupportedException(filename(), "Only differencing VDI images can be emptied");
        }
        relocation.writeLock().lock();
        try {
            metadata.lock();
            try {
                markModifiedLocked();
                store.requireWritableMap();
                for (int b = 0; b < store.map.size(); b++) {
                    store.map.set(b, BlockMap.FREE);
                }
                header.blocksAllocated = 0;
                store.writeHeader();
                store.writeMapEntries(0, Math.max(0, store.map.size() - 1));
                store.truncateToData();
            } finally {
                metadata.unlock();
            }
        } finally {
            relocation.writeLock().unlock();
        }
    }

    /** VirtualBox gives an image a new modification UUID the first time it changes after opening. */
    private void markModified() throws IOException {
        if (!modified) {
            metadata.lock();
            try {
                markModifiedLocked();
            } finally {
                metadata.unlock();
            }
        }
    }

    private void markModifiedLocked() throws IOException {
        if (!modified) {
            header.uuidLastSnap = VdiHeader.VdiUuid.random();
            store.writeHeader();
            modified = true;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (!readOnly && modified) {
                file.flush();
            }
        } finally {
            try {
                file.close();
            } finally {
                if (backing != null) {
                    backing.close();
                }
            }
        }
    }

    private void checkWritable() {
        RequestChecks.checkWritable(filename(), readOnly);
        // Not only allocations: with two blocks sharing a data block, a write in place changes both.
        store.requireWritableMap();
    }

    private void checkRange(long offset, long length) {
        RequestChecks.checkRange(filename(), offset, length, size());
    }

    @Override
    public String toString() {
        return "vdi:" + filename();
    }
}
