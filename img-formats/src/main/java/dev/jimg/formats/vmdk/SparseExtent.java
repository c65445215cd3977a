package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.util.Buffers;
import dev.jimg.block.util.ReusePool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A hosted sparse extent ({@code SPARSE}; monolithicSparse, twoGbMaxExtentSparse and
 * streamOptimized disks): grains of 64 KiB found through the {@link GrainDirectory}, plain or
 * deflate-compressed with stream markers.
 *
 * <p>Writes allocate whole grains at the end of the file: the grain's data goes to the file before
 * the grain table points at it. Two writers of one new grain serialise on a stripe lock so that it
 * is allocated once; writes to allocated grains run in parallel. Compressed extents are read-only
 * except while a {@link StreamWriter} fills a new streamOptimized image.
 */
final class SparseExtent implements VmdkExtent {
    private static final int STRIPES = 64;
    /** zlib's inflate state costs a 32 KiB window and a cleaner: reused, reset per grain. */
    private static final ReusePool<Inflater> INFLATERS = new ReusePool<>(Inflater::new);
    /** Decompressed grains kept for reads that come in pieces smaller than a grain. */
    private static final int GRAIN_CACHE = 8;
    /** Longest run of new grains written at once (16 MiB of 64 KiB grains). */
    private static final int MAX_RUN = 256;

    private final BlockNode file;
    private final SparseHeader header;
    private final GrainDirectory directory;
    private final long sectors;
    private final String format;
    private final boolean readOnly;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final Map<Long, byte[]> grainCache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > GRAIN_CACHE;
        }
    };
    /** Set while a new streamOptimized image is being written. */
    private StreamWriter stream;

    /**
     * @param sectors guest sectors the descriptor gives the extent
     * @param format  the extent type as {@code info} prints it ("" for a monolithic file opened directly)
     */
    SparseExtent(BlockNode file, SparseHeader header, GrainDirectory directory, long sectors, String format,
            boolean readOnly) {
        this.file = file;
        this.header = header;
        this.directory = directory;
        this.sectors = sectors;
        this.format = format;
        this.readOnly = readOnly;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    SparseHeader header() {
        return header;
    }

    GrainDirectory directory() {
        return directory;
    }

    /** Switches an empty stream extent to sequential writing, see {@link StreamWriter}. */
    void startStream(StreamWriter writer) {
        this.stream = writer;
    }

    StreamWriter stream() {
        return stream;
    }

    @Override
    public long sectors() {
        return sectors;
    }

    @Override
    public BlockNode file() {
        return file;
    }

    @Override
    public long grainBytes() {
        return header.grainBytes();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long grainBytes = header.grainBytes();
        while (dst.hasRemaining()) {
            long grain = offset / grainBytes;
            int inGrain = (int) (offset % grainBytes);
            int n = (int) Math.min(dst.remaining(), grainBytes - inGrain);
            ByteBuffer chunk = dst.slice(dst.position(), n);
            StreamWriter writer = stream;
            // While a new stream is written its grains live in the writer, not in the directory
            // read at open; the pending grain is asked first, since it may be emitted meanwhile.
            if (writer != null && writer.readPending(grain, inGrain, chunk)) {
                dst.position(dst.position() + n);
                offset += n;
                continue;
            }
            int entry = writer != null ? writer.entry(grain) : directory.entry(grain);
            if (entry == 0 || isZeroed(entry)) {
                Buffers.fillZero(chunk);
            } else if (header.compressed()) {
                chunk.put(0, decompressed(grain, entry), inGrain, n);
            } else {
                file.read(grainOffset(grain, entry) + inGrain, chunk);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    private boolean isZeroed(int entry) {
        return entry == 1 && header.zeroedGrains();
    }

    /**
     * The file offset of an allocated grain, checked: a grain must start past the metadata
     * (overHead) and inside the file.
     */
    private long grainOffset(long grain, int entry) throws IOException {
        long sector = Integer.toUnsignedLong(entry);
        long at = sector * 512;
        long size = file.size();
        if (at >= size) {
            throw new CorruptImageException(file.filename(), "VMDK grain table entry for grain " + grain
                    + " points to sector " + sector + ", past the end of the file (" + size + " bytes)");
        }
        if (header.overhead > 0 && sector < header.overhead) {
            throw new CorruptImageException(file.filename(), "VMDK grain table entry for grain " + grain
                    + " points to sector " + sector + ", inside the metadata before sector " + header.overhead);
        }
        return at;
    }

    private byte[] decompressed(long grain, int entry) throws IOException {
        synchronized (grainCache) {
            byte[] cached = grainCache.get(grain);
            if (cached != null) {
                return cached;
            }
        }
        byte[] data = inflateGrain(grain, grainOffset(grain, entry));
        synchronized (grainCache) {
            grainCache.put(grain, data);
        }
        return data;
    }

    /** Reads and inflates the compressed grain at {@code at}, bounded by twice the grain size. */
    private byte[] inflateGrain(long grain, long at) throws IOException {
        int grainBytes = (int) header.grainBytes();
        int maxCompressed = 2 * grainBytes + 1024;
        long fileSize = file.size();
        int length;
        long dataAt;
        if (header.markers()) {
            ByteBuffer marker = ByteBuffer.allocate(Marker.GRAIN_HEADER).order(ByteOrder.LITTLE_ENDIAN);
            file.read(at, marker);
            long size = Integer.toUnsignedLong(marker.getInt(8));
            if (size == 0 || size > maxCompressed || at + Marker.GRAIN_HEADER + size > fileSize) {
                throw new CorruptImageException(file.filename(), "VMDK compressed grain " + grain + " at offset " + at
                        + " claims " + size + " bytes, which is empty, too large or past the end of the file");
            }
            length = (int) size;
            dataAt = at + Marker.GRAIN_HEADER;
        } else {
            length = (int) Math.min(maxCompressed, fileSize - at);
            dataAt = at;
        }
        ByteBuffer compressed = ByteBuffer.allocate(length);
        file.read(dataAt, compressed);
        byte[] out = new byte[grainBytes];
        Inflater inflater = INFLATERS.take();
        try {
            inflater.setInput(compressed.array(), 0, length);
            int total = 0;
            while (total < grainBytes && !inflater.finished()) {
                int n = inflater.inflate(out, total, grainBytes - total);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                total += n;
            }
            if (!inflater.finished() && total < grainBytes) {
                throw new CorruptImageException(file.filename(), "VMDK compressed grain " + grain + " at offset " + at
                        + " is truncated: it inflates to " + total + " of " + grainBytes + " bytes");
            }
            if (!inflater.finished()) {
                throw new CorruptImageException(file.filename(), "VMDK compressed grain " + grain + " at offset " + at
                        + " inflates to more than the grain size of " + grainBytes + " bytes");
            }
        } catch (DataFormatException e) {
            throw new CorruptImageException(file.filename(), "VMDK compressed grain " + grain + " at offset " + at
                    + " is damaged: " + e.getMessage(), e);
        } finally {
            inflater.reset();
            INFLATERS.give(inflater);
        }
        // A last grain shorter than the grain size (vmdk-stream-converter writes one) reads as zero-padded.
        return out;
    }

    @Override
    public void write(long offset, ByteBuffer src, Fill fill) throws IOException {
        checkWritable();
        if (stream != null) {
            stream.write(offset, src);
            return;
        }
        long grainBytes = header.grainBytes();
        while (src.hasRemaining()) {
            long grain = offset / grainBytes;
            int inGrain = (int) (offset % grainBytes);
            if (inGrain == 0 && src.remaining() >= 2 * grainBytes) {
                int run = writeNewRun(grain, (int) Math.min(MAX_RUN, src.remaining() / grainBytes), src);
                if (run > 0) {
                    offset += run * grainBytes;
                    continue;
                }
            }
            int n = (int) Math.min(src.remaining(), grainBytes - inGrain);
            writeGrain(grain, inGrain, src.slice(src.position(), n), fill);
            src.position(src.position() + n);
            offset += n;
        }
    }

    /**
     * Writes whole grains from {@code first} that are all new (unallocated or zeroed) as one run:
     * one allocation, one data write, one table write per grain table — what a sequential copy
     * into a fresh image does. Returns the grains written, 0 when fewer than two are new.
     */
    private int writeNewRun(long first, int maxGrains, ByteBuffer src) throws IOException {
        int count = 0;
        while (count < maxGrains && isNew(directory.entry(first + count))) {
            count++;
        }
        if (count < 2) {
            return 0;
        }
        java.util.BitSet locked = new java.util.BitSet(STRIPES);
        for (int i = 0; i < count; i++) {
            locked.set((int) ((first + i) % STRIPES));
        }
        // Ascending stripe order: two runs can never wait on each other in a cycle.
        for (int s = locked.nextSetBit(0); s >= 0; s = locked.nextSetBit(s + 1)) {
            stripes[s].lock();
        }
        try {
            for (int i = 0; i < count; i++) {
                if (!isNew(directory.entry(first + i))) {
                    return 0;
                }
            }
            int bytes = (int) (count * header.grainBytes());
            long sector = directory.allocate(count * header.grainSectors);
            file.write(sector * 512, src.slice(src.position(), bytes));
            directory.setEntries(first, count, sector);
            src.position(src.position() + bytes);
            return count;
        } finally {
            for (int s = locked.nextSetBit(0); s >= 0; s = locked.nextSetBit(s + 1)) {
                stripes[s].unlock();
            }
        }
    }

    private boolean isNew(int entry) {
        return entry == 0 || isZeroed(entry);
    }

    private void writeGrain(long grain, int inGrain, ByteBuffer chunk, Fill fill) throws IOException {
        int entry = directory.entry(grain);
        if (entry != 0 && !isZeroed(entry)) {
            file.write(grainOffset(grain, entry) + inGrain, chunk);
            return;
        }
        ReentrantLock stripe = stripes[(int) (grain % STRIPES)];
        stripe.lock();
        try {
            entry = directory.entry(grain);
            if (entry != 0 && !isZeroed(entry)) {
                file.write(grainOffset(grain, entry) + inGrain, chunk);
                return;
            }
            int grainBytes = (int) header.grainBytes();
            ByteBuffer full = ByteBuffer.allocate(grainBytes);
            if (entry == 0 && (inGrain > 0 || chunk.remaining() < grainBytes)) {
                fill.fill(grain * grainBytes, full);
                full.clear();
            }
            full.put(inGrain, chunk, chunk.position(), chunk.remaining());
            long sector = directory.allocate(header.grainSectors);
            file.write(sector * 512, full);
            directory.setEntry(grain, (int) sector);
        } finally {
            stripe.unlock();
        }
    }

    /**
     * Whole grains become zeroed-grain entries where the extent has them (the old grain is left
     * behind, as qemu leaves it); elsewhere zeroes are written, except over unallocated grains
     * when nothing lies beneath.
     */
    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap, Fill fill) throws IOException {
        checkWritable();
        if (stream != null) {
            stream.writeZeroes(offset, length);
            return;
        }
        long grainBytes = header.grainBytes();
        long end = offset + length;
        while (offset < end) {
            long grain = offset / grainBytes;
            int inGrain = (int) (offset % grainBytes);
            int n = (int) Math.min(end - offset, grainBytes - inGrain);
            int entry = directory.entry(grain);
            boolean whole = inGrain == 0 && (n == grainBytes || offset + n == sectors * 512);
            if (whole && header.zeroedGrains()) {
                directory.setEntry(grain, 1);
            } else if (entry != 0 && !isZeroed(entry)) {
                file.writeZeroes(grainOffset(grain, entry) + inGrain, n, mayUnmap);
            } else if (entry == 0 && !fillIsZero(fill, grain * grainBytes + inGrain, n)) {
                writeGrain(grain, inGrain, ByteBuffer.allocate(n), fill);
            }
            offset += n;
        }
    }

    private static boolean fillIsZero(Fill fill, long offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        fill.fill(offset, b);
        return dev.jimg.block.util.ZeroDetector.isZero(b.flip());
    }

    private void checkWritable() {
        if (readOnly) {
            throw new ImageException(file.filename(), "Cannot write: the image is open read-only");
        }
        if (header.compressed() && stream == null) {
            throw new NotSupportedException(file.filename(), "Writing to an existing streamOptimized VMDK is not"
                    + " supported; stream images are written once, sequentially, when created");
        }
    }

    @Override
    public Extent status(long offset, long length) throws IOException {
        long grainBytes = header.grainBytes();
        long end = offset + length;
        Extent run = null;
        while (offset < end) {
            long grain = offset / grainBytes;
            long n = Math.min(end - offset, grainBytes - offset % grainBytes);
            Extent e = grainStatus(grain, offset, n);
            if (run == null) {
                run = e;
            } else if (run.canMerge(e)) {
                run = run.merge(e);
            } else {
                break;
            }
            offset += n;
        }
        return run;
    }

    private Extent grainStatus(long grain, long offset, long n) throws IOException {
        int entry = directory.entry(grain);
        if (entry == 0) {
            return Extent.unallocated(offset, n);
        }
        if (isZeroed(entry)) {
            return Extent.zero(offset, n);
        }
        long at = grainOffset(grain, entry);
        if (header.compressed()) {
            return new Extent(offset, n, Extent.DATA | Extent.ALLOCATED | Extent.COMPRESSED, -1, file.filename(), 0);
        }
        return Extent.data(offset, n, at + offset % header.grainBytes(), file.filename());
    }

    /**
     * qemu's check: every allocated grain must start inside the file. Like qemu, stop at the first
     * grain that does not; the check then counts as failed.
     */
    @Override
    public long check(long guestStart, Consumer<String> report) throws IOException {
        long size = file.size();
        long grainSectors = header.grainSectors;
        for (int t = 0; t < directory.entries(); t++) {
            int[] table = directory.tableCopy(t);
            if (table == null) {
                continue;
            }
            for (int i = 0; i < table.length; i++) {
                int entry = table[i];
                if (entry == 0 || isZeroed(entry)) {
                    continue;
                }
                if (Integer.toUnsignedLong(entry) * 512 >= size) {
                    long sector = guestStart / 512 + ((long) t * table.length + i) * grainSectors;
                    report.accept("ERROR: cluster offset for sector " + sector + " points after EOF");
                    return 1;
                }
            }
        }
        return 0;
    }

    @Override
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (header.compressed()) {
            m.put("compressed", true);
        }
        m.put("virtual-size", sectors * 512);
        m.put("filename", file.filename());
        m.put("cluster-size", header.grainBytes());
        m.put("format", format);
        return m;
    }

    @Override
    public void flush() throws IOException {
        if (stream != null) {
            stream.flushPending();
        }
        directory.writeBack();
        file.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            if (stream != null) {
                stream.finish();
            }
            if (!readOnly) {
                directory.writeBack();
            }
        } finally {
            file.close();
        }
    }
}
