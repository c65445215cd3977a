package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.ReusePool;
import dev.jimg.block.util.ZeroDetector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.Deflater;

/**
 * Writes a streamOptimized extent front to back, the way VMware's exporters do: after the header,
 * embedded descriptor and overhead, each non-zero grain as a grain marker plus its deflated data,
 * each grain table (behind a GT marker) once the stream has passed it, then the grain directory,
 * the footer (a copy of the header that holds the GD offset) and the end-of-stream marker.
 *
 * <p>Guest data must arrive in ascending grain order; bytes may be written in pieces as long as
 * they do not go back to a grain already emitted. Compression ({@link #compress}) is pure, so a
 * converter may run it on many threads and hand the results over in order: the file is the same
 * byte for byte however the work was spread.
 */
final class StreamWriter {
    /** zlib's deflate state is large and slow to set up: reused, reset per grain. */
    private static final ReusePool<Deflater> DEFLATERS =
            new ReusePool<>(() -> new Deflater(Deflater.DEFAULT_COMPRESSION));

    private final BlockNode file;
    private final SparseHeader header;
    private final int grainBytes;
    private final int gtes;
    private final int[] gd;
    private final ReentrantLock lock = new ReentrantLock();
    /** Where the next structure goes, in sectors; starts at the overhead. */
    private long nextSector;
    private boolean started;
    private boolean finished;
    /** The grain being filled by plain writes, or -1. */
    private long pendingGrain = -1;
    private byte[] pending;
    /** The highest grain already emitted (or skipped as zero), -1 before the first. */
    private long emittedGrain = -1;
    private int currentTable = -1;
    private int[] table;

    StreamWriter(BlockNode file, SparseHeader header) {
        this.file = file;
        this.header = header;
        this.grainBytes = (int) header.grainBytes();
        this.gtes = header.gtesPerGt;
        this.gd = new int[(int) header.gdEntries()];
        this.nextSector = header.overhead;
    }

    /** Deflates one grain, zlib-wrapped at the default level as qemu and VMware write it; null if all zero. */
    static byte[] compress(ByteBuffer grain) {
        if (ZeroDetector.isZero(grain)) {
            return null;
        }
        Deflater deflater = DEFLATERS.take();
        try {
            deflater.setInput(grain.duplicate());
            deflater.finish();
            byte[] buf = new byte[grain.remaining() + grain.remaining() / 100 + 64];
            int n = 0;
            while (!deflater.finished()) {
                if (n == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                }
                n += deflater.deflate(buf, n, buf.length - n);
            }
            return java.util.Arrays.copyOf(buf, n);
        } finally {
            deflater.reset();
            DEFLATERS.give(deflater);
        }
    }

    void write(long offset, ByteBuffer src) throws IOException {
        lock.lock();
        try {
            start();
            while (src.hasRemaining()) {
                long grain = offset / grainBytes;
                int inGrain = (int) (offset % grainBytes);
                if (inGrain == 0 && grain != pendingGrain && src.remaining() >= 2 * grainBytes) {
                    requireAhead(grain);
                    flushPendingLocked();
                    int whole = src.remaining() / grainBytes;
                    emitWhole(grain, src.slice(src.position(), whole * grainBytes));
                    src.position(src.position() + whole * grainBytes);
                    offset += (long) whole * grainBytes;
                    continue;
                }
                int n = Math.min(src.remaining(), grainBytes - inGrain);
                if (grain != pendingGrain) {
                    requireAhead(grain);
                    flushPendingLocked();
                    pendingGrain = grain;
                    pending = new byte[grainBytes];
                }
                src.get(src.position(), pending, inGrain, n);
                src.position(src.position() + n);
                offset += n;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Compresses whole grains on the common pool and emits them in order: a plain sequential copy
     * (convert without {@code -c}) gets parallel compression too, with the same output.
     */
    private void emitWhole(long firstGrain, ByteBuffer grains) throws IOException {
        int count = grains.remaining() / grainBytes;
        byte[][] compressed = new byte[count][];
        java.util.stream.IntStream.range(0, count).parallel().forEach(i ->
                compressed[i] = compress(grains.slice(i * grainBytes, grainBytes)));
        for (int i = 0; i < count; i++) {
            if (compressed[i] != null) {
                emit(firstGrain + i, compressed[i]);
            } else {
                emittedGrain = Math.max(emittedGrain, firstGrain + i);
            }
        }
    }

    /** Zeroes ahead of the stream are already zero; inside the pending grain they are applied to it. */
    void writeZeroes(long offset, long length) throws IOException {
        lock.lock();
        try {
            long end = offset + length;
            if (pendingGrain >= 0) {
                long gStart = pendingGrain * grainBytes;
                long from = Math.max(offset, gStart);
                long to = Math.min(end, gStart + grainBytes);
                if (from < to) {
                    java.util.Arrays.fill(pending, (int) (from - gStart), (int) (to - gStart), (byte) 0);
                }
            }
            long firstGrain = offset / grainBytes;
            if (firstGrain <= emittedGrain && hasEmittedDataIn(firstGrain, Math.min(emittedGrain, (end - 1) / grainBytes))) {
                throw outOfOrder(firstGrain);
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean hasEmittedDataIn(long first, long last) {
        for (long g = first; g <= last; g++) {
            if (g / gtes == currentTable && table[(int) (g % gtes)] != 0) {
                return true;
            }
            if (g / gtes < currentTable) {
                return true; // an emitted table: be conservative
            }
        }
        return false;
    }

    /** Copies the part of {@code grain} from {@code inGrain} into {@code dst} if it is the grain being filled. */
    boolean readPending(long grain, int inGrain, ByteBuffer dst) {
        lock.lock();
        try {
            if (grain != pendingGrain) {
                return false;
            }
            dst.put(0, pending, inGrain, dst.remaining());
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The grain table entry (the grain's sector, 0 if none) {@code grain} has in the stream so far:
     * from the table being filled, or from a grain table already written out.
     */
    int entry(long grain) throws IOException {
        lock.lock();
        try {
            int t = (int) (grain / gtes);
            if (t == currentTable) {
                return table[(int) (grain % gtes)];
            }
            if (t >= gd.length || gd[t] == 0) {
                return 0;
            }
            ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            file.read(gd[t] * 512L + (grain % gtes) * 4, e);
            return e.getInt(0);
        } finally {
            lock.unlock();
        }
    }

    /** Stores a grain compressed by {@link #compress}; grains must come in ascending order. */
    void writeCompressed(long offset, byte[] compressed) throws IOException {
        if (offset % grainBytes != 0) {
            throw new IllegalArgumentException("compressed writes must be grain-aligned, got offset " + offset);
        }
        lock.lock();
        try {
            start();
            long grain = offset / grainBytes;
            if (grain == pendingGrain) {
                throw outOfOrder(grain);
            }
            requireAhead(grain);
            flushPendingLocked();
            emit(grain, compressed);
        } finally {
            lock.unlock();
        }
    }

    void flushPending() throws IOException {
        lock.lock();
        try {
            flushPendingLocked();
        } finally {
            lock.unlock();
        }
    }

    private void flushPendingLocked() throws IOException {
        if (pendingGrain < 0) {
            return;
        }
        long grain = pendingGrain;
        byte[] data = pending;
        pendingGrain = -1;
        pending = null;
        byte[] compressed = compress(ByteBuffer.wrap(data));
        if (compressed != null) {
            emit(grain, compressed);
        } else {
            emittedGrain = Math.max(emittedGrain, grain);
        }
    }

    private void requireAhead(long grain) {
        if (grain <= emittedGrain) {
            throw outOfOrder(grain);
        }
    }

    private ImageException outOfOrder(long grain) {
        return new ImageException(file.filename(), "streamOptimized VMDK images are written sequentially: grain "
                + grain + " comes after grain " + Math.max(emittedGrain, pendingGrain) + " was written");
    }

    /** Drops what the empty image had after its overhead; the stream is rebuilt from there. */
    private void start() throws IOException {
        if (finished) {
            throw new ImageException(file.filename(), "The streamOptimized image is already finished");
        }
        if (!started) {
            started = true;
            file.resize(header.overhead * 512);
        }
    }

    private void emit(long grain, byte[] compressed) throws IOException {
        int table = (int) (grain / gtes);
        if (table != currentTable) {
            emitTable();
            currentTable = table;
            this.table = new int[gtes];
        }
        int total = Marker.GRAIN_HEADER + compressed.length;
        int padded = (total + 511) & -512;
        ByteBuffer b = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(grain * header.grainSectors).putInt(compressed.length).put(compressed);
        file.write(nextSector * 512, b.clear());
        this.table[(int) (grain % gtes)] = (int) nextSector;
        nextSector += padded / 512;
        emittedGrain = grain;
    }

    private void emitTable() throws IOException {
        if (currentTable < 0) {
            return;
        }
        long gtSectors = header.gtBytes() / 512;
        file.write(nextSector * 512, Marker.metadata(gtSectors, Marker.GRAIN_TABLE));
        nextSector++;
        ByteBuffer t = ByteBuffer.allocate((int) header.gtBytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int e : table) {
            t.putInt(e);
        }
        file.write(nextSector * 512, t.clear());
        gd[currentTable] = (int) nextSector;
        nextSector += gtSectors;
        currentTable = -1;
        table = null;
    }

    /** Writes the remaining grain and table, the grain directory, the footer and the end-of-stream marker. */
    void finish() throws IOException {
        lock.lock();
        try {
            if (finished || !started) {
                return;
            }
            flushPendingLocked();
            emitTable();
            writeTrailer(file, header, gd, nextSector);
            finished = true;
        } finally {
            lock.unlock();
        }
    }

    /** GD marker and GD, footer marker and footer, EOS; the file ends there. Also used by create. */
    static void writeTrailer(BlockNode file, SparseHeader header, int[] gd, long atSector) throws IOException {
        long gdSectors = (gd.length * 4L + 511) / 512;
        long at = atSector;
        file.write(at * 512, Marker.metadata(gdSectors, Marker.GRAIN_DIRECTORY));
        at++;
        long gdSector = at;
        ByteBuffer g = ByteBuffer.allocate((int) (gdSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
        for (int e : gd) {
            g.putInt(e);
        }
        file.write(at * 512, g.clear());
        at += gdSectors;
        file.write(at * 512, Marker.metadata(1, Marker.FOOTER));
        at++;
        file.write(at * 512, ByteBuffer.wrap(header.withGdOffset(gdSector).toBytes()));
        at++;
        file.write(at * 512, Marker.metadata(0, Marker.EOS));
        at++;
        file.resize(at * 512);
        file.flush();
    }
}
