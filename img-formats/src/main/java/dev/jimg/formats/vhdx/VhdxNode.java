package dev.jimg.formats.vhdx;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.BlockWalk;
import dev.jimg.block.spi.RequestChecks;
import dev.jimg.block.util.Buffers;
import dev.jimg.block.util.Sizes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * An open VHDX image (dynamic or fixed; differencing images are refused at open).
 *
 * <p><b>Writes.</b> A write to an absent block allocates a block at the end of the file, aligned
 * to 1 MiB, and changes its BAT entry in memory. Changed BAT sectors reach the file at the next
 * {@link #flush} (or close) through the log, as the specification wants metadata written: log
 * entry, flush, BAT sectors in place, flush, log emptied by a header update. Data is flushed
 * before the log entry that makes it reachable. Until then a crash loses the new blocks, as it
 * loses any write not yet flushed. The first guest-visible write of a session gives the headers
 * a new data write GUID, as the specification requires.
 *
 * <p><b>Concurrency.</b> BAT entries are atomic: reads and writes to allocated blocks take no
 * lock. {@link #metadataLock} serialises allocation, header updates and flushes of the BAT.
 */
final class VhdxNode implements BlockNode, Checkable {
    private static final long MiB = 1L << 20;

    private final BlockNode file;
    private final VhdxMetadata meta;
    private final Bat bat;
    private final HeaderPair headers;
    private final List<RegionTable.Region> reserved;
    private final boolean logReplayedOnOpen;
    private final Guid sessionGuid = Guid.random();
    private final ReentrantLock metadataLock = new ReentrantLock();
    /** Guarded by {@link #metadataLock}. */
    private long allocationEnd;
    /** Guarded by {@link #metadataLock}. */
    private boolean headersUpdatedForWrites;
    /** Guarded by {@link #metadataLock}. */
    private long logSequence = 1;
    private volatile boolean closed;

    /**
     * @param reserved the file ranges that hold metadata (header section, log, BAT, metadata
     *                 region): no block may overlap them
     */
    VhdxNode(BlockNode file, VhdxMetadata meta, Bat bat, HeaderPair headers, List<RegionTable.Region> reserved,
            boolean logReplayedOnOpen) throws IOException {
        this.file = file;
        this.meta = meta;
        this.bat = bat;
        this.headers = headers;
        this.reserved = List.copyOf(reserved);
        this.logReplayedOnOpen = logReplayedOnOpen;
        this.allocationEnd = file.size();
    }

    @Override
    public String formatName() {
        return VhdxDriver.NAME;
    }

    @Override
    public String filename() {
        return file.filename();
    }

    @Override
    public long size() {
        return meta.virtualDiskSize();
    }

    @Override
    public boolean isReadOnly() {
        return file.isReadOnly();
    }

    private long blockSize() {
        return meta.blockSize();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkRange(pos, dst.remaining());
        BlockWalk.forEachBlock(pos, dst, blockSize(), (block, inBlock, part) -> {
            long host = hostBlock(block);
            if (host >= 0) {
                file.read(host + inBlock, part);
            } else {
                Buffers.fillZero(part);
            }
        });
    }

    /** Where block {@code block} starts in the file, or -1 if it is not present. */
    private long hostBlock(long block) {
        long entry = bat.payload(block);
        return isPresent(entry, block) ? Bat.fileOffset(entry) : -1;
    }

    /** Whether the block's data is in the file; absent states read as zero (no parent here). */
    private boolean isPresent(long entry, long block) {
        return switch (Bat.state(entry)) {
            case Bat.PAYLOAD_FULLY_PRESENT -> true;
            case Bat.PAYLOAD_NOT_PRESENT, Bat.PAYLOAD_UNDEFINED, Bat.PAYLOAD_ZERO, Bat.PAYLOAD_UNMAPPED,
                    Bat.PAYLOAD_UNMAPPED_V095 -> false;
            case Bat.PAYLOAD_PARTIALLY_PRESENT -> throw new NotSupportedException(filename(),
                    "VHDX block " + block + " is partially present, which only differencing images use");
            default -> throw new CorruptImageException(filename(), "VHDX BAT entry of block " + block
                    + " has the invalid state " + Bat.state(entry));
        };
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        checkWritable();
        checkRange(pos, src.remaining());
        beginWrites();
        BlockWalk.forEachBlock(pos, src, blockSize(),
                (block, inBlock, part) -> file.write(allocate(block) + inBlock, part));
    }

    /** The file offset of block {@code block}, allocating it at the end of the file if absent. */
    private long allocate(long block) throws IOException {
        long entry = bat.payload(block);
        if (isPresent(entry, block)) {
            return Bat.fileOffset(entry);
        }
        metadataLock.lock();
        try {
            entry = bat.payload(block);
            if (isPresent(entry, block)) {
                return Bat.fileOffset(entry);
            }
            long offset = Sizes.alignUp(Math.max(allocationEnd, file.size()), MiB);
            long end = offset + blockSize();
            if (end > VhdxLog.MAX_FILE_SIZE) {
                throw new ImageException(filename(), "VHDX image file would grow beyond "
                        + VhdxLog.MAX_FILE_SIZE + " bytes");
            }
            // The whole block is in the file at once: QEMU refuses present blocks past the end.
            file.resize(end);
            allocationEnd = end;
            bat.setPayload(block, offset | Bat.PAYLOAD_FULLY_PRESENT);
            return offset;
        } finally {
            metadataLock.unlock();
        }
    }

    /** The specification's rule: a new data write GUID before the first guest-visible change. */
    private void beginWrites() throws IOException {
        if (headersUpdatedForWrites) {
            return;
        }
        metadataLock.lock();
        try {
            if (!headersUpdatedForWrites) {
                headers.update(file, sessionGuid, Guid.random(), headers.current().logGuid());
                headersUpdatedForWrites = true;
            }
        } finally {
            metadataLock.unlock();
        }
    }

    /** Absent blocks already read as zero; present ones are zeroed (or punched) in the file. */
    @Override
    public void writeZeroes(long pos, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(pos, length);
        beginWrites();
        BlockWalk.forEachMapped(pos, length, blockSize(), this::hostBlock,
                (host, n) -> file.writeZeroes(host, n, mayUnmap));
    }

    @Override
    public void discard(long pos, long length) throws IOException {
        checkWritable();
        checkRange(pos, length);
        BlockWalk.forEachMapped(pos, length, blockSize(), this::hostBlock, file::discard);
    }

    /** Makes data durable, then the BAT, through the log. */
    @Override
    public void flush() throws IOException {
        if (isReadOnly()) {
            return;
        }
        metadataLock.lock();
        try {
            file.flush();
            if (bat.hasDirtySectors()) {
                writeBatThroughLog();
            }
        } finally {
            metadataLock.unlock();
        }
    }

    private void writeBatThroughLog() throws IOException {
        long[] sectors = bat.dirtySectorOffsets();
        VhdxHeader header = headers.current();
        if (header.logLength() == 0) {
            for (long s : sectors) {
                file.write(s, ByteBuffer.wrap(bat.sectorBytes(file, s)));
            }
            file.flush();
            bat.clearDirty();
            return;
        }
        int perEntry = VhdxLog.maxSectorsPerEntry(header.logLength());
        for (int from = 0; from < sectors.length; from += perEntry) {
            long[] targets = Arrays.copyOfRange(sectors, from, Math.min(sectors.length, from + perEntry));
            byte[][] data = new byte[targets.length][];
            for (int i = 0; i < targets.length; i++) {
                data[i] = bat.sectorBytes(file, targets[i]);
            }
            headers.update(file, sessionGuid, null, Guid.random());
            VhdxLog.writeEntry(file, headers.current(), logSequence++, targets, data);
            file.flush();
            for (int i = 0; i < targets.length; i++) {
                file.write(targets[i], ByteBuffer.wrap(data[i]));
            }
            file.flush();
            headers.update(file, sessionGuid, null, Guid.ZERO);
        }
        bat.clearDirty();
    }

    /** QEMU's vhdx cannot resize; neither can jimg yet. */
    @Override
    public void resize(long newSize) {
        throw NotSupportedException.byFormat(VhdxDriver.NAME, "resize");
    }

    /**
     * Present blocks are data at their file offset (runs of blocks contiguous in the file are one
     * extent); absent blocks read as zero. qemu-img 7.2 has no block status for vhdx and reports
     * everything as data; jimg is precise so that {@code convert} can skip what is absent.
     */
    @Override
    public Extent blockStatus(long pos, long length) throws IOException {
        long end = pos + RequestChecks.statusLength(filename(), pos, length, size());
        long block = pos / blockSize();
        long entry = bat.payload(block);
        boolean present = isPresent(entry, block);
        long runEnd = (block + 1) * blockSize();
        long expectedHost = Bat.fileOffset(entry) + blockSize();
        while (runEnd < end) {
            long next = bat.payload(runEnd / blockSize());
            boolean nextPresent = isPresent(next, runEnd / blockSize());
            if (nextPresent != present || (present && Bat.fileOffset(next) != expectedHost)) {
                break;
            }
            expectedHost += blockSize();
            runEnd += blockSize();
        }
        long n = Math.min(runEnd, end) - pos;
        if (!present) {
            return Extent.zero(pos, n);
        }
        return Extent.data(pos, n, Bat.fileOffset(entry) + pos % blockSize(), file.filename());
    }

    /**
     * What QEMU's check does: a log replayed at open counts as one corruption fixed, and every
     * present block must lie inside the file and outside the metadata.
     */
    @Override
    public CheckResult check(Repair repair, Consumer<String> report) throws IOException {
        long errors = VhdxOpener.checkBatEntries(file, bat, meta, reserved, report);
        return new CheckResult(errors, 0, 0, logReplayedOnOpen ? 1 : 0, 0, -1, -1, -1, -1, -1);
    }

    @Override
    public Optional<BlockNode> file() {
        return Optional.of(file);
    }

    @Override
    public OptionalInt clusterSize() {
        return OptionalInt.of((int) blockSize());
    }

    /** A new dynamic image reads as zero; a fixed one as its (sparse) file does. */
    @Override
    public boolean hasZeroInit() {
        return bat.payloadBlocks() == 0 || Bat.state(bat.payload(0)) != Bat.PAYLOAD_FULLY_PRESENT
                || file.hasZeroInit();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flush();
        } finally {
            file.close();
        }
    }

    private void checkWritable() {
        RequestChecks.checkWritable(filename(), isReadOnly());
    }

    private void checkRange(long pos, long length) {
        RequestChecks.checkRange(filename(), pos, length, size());
    }
}
