package dev.jimg.cli.convert;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.ProgressListener;
import dev.jimg.block.util.ZeroDetector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The copy engine of {@code convert}: walks the sources' block status, skips what the target
 * already reads as zero, finds zero runs inside data ({@code -S}), and copies with several workers.
 *
 * <p>Work is cut into items of at most {@value #CHUNK} bytes aligned to that size. Each item gets a
 * ticket; workers read (and compress) in parallel but write in ticket order unless
 * {@link ConvertSettings#inOrder()} is off. That order is what makes compressed output
 * deterministic, and it keeps a raw target's writes sequential on disk.
 */
public final class Converter {
    /** qemu-img's {@code IO_BUF_SIZE}: large enough to stream, small enough to keep 16 in flight. */
    static final int CHUNK = 2 << 20;
    /** Zero writes to a target that is not pre-zeroed are issued in pieces of at most this size. */
    private static final long MAX_ZERO_WRITE = 1L << 30;
    private static final int SECTOR = 512;

    private final List<BlockNode> sources;
    private final long[] sourceStarts;
    private final long total;
    private final BlockNode target;
    private final ConvertSettings settings;
    private final ProgressListener progress;
    private final CompressedWrites compressor;
    private final AtomicLong done = new AtomicLong();

    /**
     * @param sources  images concatenated in order; each occupies its size rounded up to 512 bytes
     * @param target   where to write; at least as large as the sources together
     */
    public Converter(List<BlockNode> sources, BlockNode target, ConvertSettings settings, ProgressListener progress)
            throws IOException {
        this.sources = List.copyOf(sources);
        this.sourceStarts = new long[sources.size() + 1];
        long pos = 0;
        for (int i = 0; i < sources.size(); i++) {
            sourceStarts[i] = pos;
            pos += alignedSize(sources.get(i));
        }
        sourceStarts[sources.size()] = pos;
        this.total = pos;
        this.target = target;
        this.settings = settings;
        this.progress = progress;
        if (settings.compress()) {
            this.compressor = target.capability(CompressedWrites.class).orElseThrow(() ->
                    new ImageException(target.filename(), "Compression not supported for this file format"));
            if (CHUNK % compressor.compressionUnit() != 0) {
                throw new IllegalStateException("compression unit " + compressor.compressionUnit()
                        + " does not divide " + CHUNK);
            }
        } else {
            this.compressor = null;
        }
    }

    /** The target size {@code convert} creates: the sum of the sources, each rounded up to a sector. */
    public static long totalSize(List<BlockNode> sources) throws IOException {
        long sum = 0;
        for (BlockNode s : sources) {
            sum = Math.addExact(sum, alignedSize(s));
        }
        return sum;
    }

    private static long alignedSize(BlockNode node) throws IOException {
        return (node.size() + SECTOR - 1) & -SECTOR;
    }

    /** Copies everything; returns when all writes completed, rethrowing the first failure. */
    public void run() throws IOException {
        Planner planner = new Planner();
        Sequencer sequencer = new Sequencer();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < settings.parallel(); i++) {
            workers.add(Thread.ofVirtual().name("convert-", i).start(() -> work(planner, sequencer, failure)));
        }
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                sequencer.abort();
                throw new IOException("convert interrupted", e);
            }
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error err) {
            throw err;
        }
        progress.progress(total, total);
    }

    private void work(Planner planner, Sequencer sequencer, AtomicReference<Throwable> failure) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
        try {
            while (failure.get() == null) {
                Item item = planner.next();
                if (item == null) {
                    return;
                }
                List<Write> writes = prepare(item, buffer);
                if (settings.inOrder() && !sequencer.awaitTurn(item.ticket)) {
                    return;
                }
                try {
                    for (Write w : writes) {
                        w.apply(target);
                    }
                } finally {
                    if (settings.inOrder()) {
                        sequencer.done(item.ticket);
                    }
                }
                progress.progress(done.addAndGet(item.length), total);
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
            sequencer.abort();
        }
    }

    /** Reads the item's data and turns it into writes; runs outside the write order. */
    private List<Write> prepare(Item item, ByteBuffer buffer) throws IOException {
        List<Write> writes = new ArrayList<>();
        switch (item.kind) {
            case SKIP -> {
                // the target's backing file provides these bytes
            }
            case ZERO -> {
                if (!settings.targetZeroed()) {
                    for (long off = 0; off < item.length; off += MAX_ZERO_WRITE) {
                        long n = Math.min(MAX_ZERO_WRITE, item.length - off);
                        writes.add(new Write.Zero(item.offset + off, n, !settings.targetBacking()));
                    }
                }
            }
            case DATA -> {
                buffer.clear().limit((int) item.length);
                readSources(item.offset, buffer);
                buffer.flip();
                if (compressor != null) {
                    compressUnits(item, buffer, writes);
                } else {
                    splitZeroRuns(item, buffer, writes);
                }
            }
        }
        return writes;
    }

    private void readSources(long offset, ByteBuffer buffer) throws IOException {
        long pos = offset;
        while (buffer.hasRemaining()) {
            int idx = sourceIndex(pos);
            BlockNode src = sources.get(idx);
            long srcPos = pos - sourceStarts[idx];
            long srcSize = src.size();
            long end = Math.min(sourceStarts[idx + 1], pos + buffer.remaining());
            if (srcPos < srcSize) {
                int n = (int) Math.min(end - pos, srcSize - srcPos);
                ByteBuffer part = buffer.slice(buffer.position(), n);
                src.read(srcPos, part);
                buffer.position(buffer.position() + n);
                pos += n;
            }
            while (pos < end) {
                buffer.put((byte) 0);
                pos++;
            }
        }
    }

    private void compressUnits(Item item, ByteBuffer buffer, List<Write> writes) {
        int unit = compressor.compressionUnit();
        for (int pos = 0; pos < item.length; pos += unit) {
            int n = (int) Math.min(unit, item.length - pos);
            ByteBuffer slice = buffer.slice(pos, n);
            long offset = item.offset + pos;
            if (ZeroDetector.isZero(slice)) {
                if (!settings.targetZeroed()) {
                    writes.add(new Write.Zero(offset, n, !settings.targetBacking()));
                }
                continue;
            }
            byte[] compressed = compressor.compress(slice.duplicate());
            if (compressed == null) {
                writes.add(new Write.Data(offset, slice));
            } else {
                writes.add(new Write.Compressed(compressor, offset, compressed));
            }
        }
    }

    /**
     * Splits data into written runs and zero runs, as qemu-img's {@code -S}: a zero run counts only
     * if it covers whole blocks of the detection granularity (the target's allocation unit for
     * formats with clusters, so that no cluster is written in part) and is at least
     * {@code minSparse} long.
     */
    private void splitZeroRuns(Item item, ByteBuffer buffer, List<Write> writes) {
        long minSparse = settings.minSparse();
        if (minSparse == 0) {
            writes.add(new Write.Data(item.offset, buffer.slice(0, (int) item.length)));
            return;
        }
        int granularity = settings.alignment() > SECTOR ? settings.alignment()
                : (int) Math.max(SECTOR, Math.min(4096, Long.highestOneBit(minSparse)));
        long minRun = Math.max(minSparse, granularity);
        int len = (int) item.length;
        int runStart = 0;
        boolean runZero = false;
        int pos = 0;
        while (pos < len) {
            int blockEnd = (int) Math.min(len, alignUp(item.offset + pos + 1, granularity) - item.offset);
            boolean zero = ZeroDetector.isZero(buffer, pos, blockEnd - pos);
            if (pos == 0) {
                runZero = zero;
            } else if (zero != runZero) {
                emit(item, buffer, runStart, pos, runZero, minRun, writes);
                runStart = pos;
                runZero = zero;
            }
            pos = blockEnd;
        }
        emit(item, buffer, runStart, len, runZero, minRun, writes);
        coalesce(writes);
    }

    private void emit(Item item, ByteBuffer buffer, int from, int to, boolean zero, long minRun, List<Write> writes) {
        long offset = item.offset + from;
        if (zero && to - from >= minRun) {
            if (!settings.targetZeroed()) {
                writes.add(new Write.Zero(offset, to - from, !settings.targetBacking()));
            }
        } else {
            writes.add(new Write.Data(offset, buffer.slice(from, to - from)));
        }
    }

    /** Joins adjacent data writes (short zero runs were turned into data). */
    private static void coalesce(List<Write> writes) {
        for (int i = writes.size() - 1; i > 0; i--) {
            if (writes.get(i - 1) instanceof Write.Data a && writes.get(i) instanceof Write.Data b
                    && a.offset() + a.data().remaining() == b.offset()) {
                ByteBuffer joined = a.data().duplicate();
                joined.limit(joined.limit() + b.data().remaining());
                writes.set(i - 1, new Write.Data(a.offset(), joined.slice()));
                writes.remove(i);
            }
        }
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    private int sourceIndex(long pos) {
        for (int i = 0; i < sources.size(); i++) {
            if (pos < sourceStarts[i + 1]) {
                return i;
            }
        }
        throw new IllegalArgumentException("offset " + pos + " beyond the sources' end " + total);
    }

    private enum Kind { DATA, ZERO, SKIP }

    private record Item(long ticket, long offset, long length, Kind kind) {
    }

    /** Hands out items in order; block status queries happen here, one at a time. */
    private final class Planner {
        private long ticket;
        private long pos;
        private Extent cached;
        private int cachedSource = -1;

        synchronized Item next() throws IOException {
            if (pos >= total) {
                return null;
            }
            int idx = sourceIndex(pos);
            BlockNode src = sources.get(idx);
            long srcPos = pos - sourceStarts[idx];
            long srcSize = src.size();
            long sourceEnd = sourceStarts[idx + 1];
            Kind kind;
            long runEnd;
            if (srcPos >= srcSize) {
                // the padding of a source to a whole sector
                kind = Kind.ZERO;
                runEnd = sourceEnd;
            } else {
                kind = kindAt(idx, src, srcPos, srcSize);
                runEnd = cached.end() >= srcSize ? sourceEnd : sourceStarts[idx] + cached.end();
            }
            long chunkEnd = Math.min(total, alignUp(pos + 1, CHUNK));
            long end;
            if (compressor != null) {
                // Compression works in whole units, and units never straddle items: cut at chunk
                // boundaries only, and read through source boundaries.
                long wholeChunksEnd = runEnd >= total ? total : runEnd & -(long) CHUNK;
                if (kind != Kind.DATA && wholeChunksEnd > pos) {
                    end = wholeChunksEnd;
                } else {
                    kind = Kind.DATA;
                    end = chunkEnd;
                }
            } else {
                end = kind == Kind.DATA ? Math.min(runEnd, chunkEnd) : runEnd;
            }
            Item item = new Item(ticket++, pos, end - pos, kind);
            pos = end;
            return item;
        }

        /** The kind of the bytes at {@code srcPos}; leaves their extent in {@link #cached}. */
        private Kind kindAt(int idx, BlockNode src, long srcPos, long srcSize) throws IOException {
            if (cachedSource != idx || cached == null || srcPos < cached.offset() || srcPos >= cached.end()) {
                long len = srcSize - srcPos;
                if (settings.targetBacking()) {
                    Extent top = src.blockStatus(srcPos, len);
                    cached = top.isAllocated() ? ChainStatus.of(src, srcPos, top.length()) : top;
                } else {
                    cached = ChainStatus.of(src, srcPos, len);
                }
                cachedSource = idx;
            }
            if (settings.targetBacking() && !cached.isAllocated()) {
                return Kind.SKIP;
            }
            return cached.isZero() ? Kind.ZERO : Kind.DATA;
        }
    }
}
