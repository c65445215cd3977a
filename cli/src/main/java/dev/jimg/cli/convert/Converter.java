package dev.jimg.cli.convert;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.CopyOffload;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.ProgressListener;
import dev.jimg.block.file.HugePageBuffers;
import dev.jimg.block.util.ZeroDetector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The copy engine of {@code convert}: walks the sources' block status, skips what the target
 * already reads as zero, finds zero runs inside data ({@code -S}), and copies with several workers.
 *
 * <p>Work is cut into items of at most {@value #CHUNK} bytes aligned to that size. Workers read
 * (and compress) items in parallel; one writer issues the writes in item order unless
 * {@link ConvertSettings#inOrder()} is off. That order is what makes compressed output
 * deterministic, and it keeps a raw target's writes sequential on disk.
 *
 * <p>Data goes through a buffer, to be checked for zeroes, whatever the formats. Where the target
 * can copy from the source itself ({@link CopyOffload}: raw to raw on one host file system), the
 * data runs found in the buffer are then copied by the kernel rather than written from it: the
 * buffer stays small and cache-hot, and the page cache to page cache copy was 3–5× cheaper in
 * system time than writing 2 GiB from user memory (docs/performance.md).
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
    /** The target as a node that copies from the sources itself, or null. */
    private final CopyOffload copier;
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
        this.copier = settings.compress() ? null : target.capability(CopyOffload.class).orElse(null);
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
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            try (BufferPool buffers = new BufferPool()) {
                if (settings.inOrder()) {
                    runInOrder(failure, buffers);
                } else {
                    runOutOfOrder(failure, buffers);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("convert interrupted", e);
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
        if (f != null) {
            throw new IOException(f);
        }
        progress.progress(total, total);
    }

    /** An item made ready by a worker: the writes to issue and the buffer to give back after them. */
    private record Prepared(Item item, List<Write> writes, ByteBuffer buffer) {
    }

    /**
     * Workers read and compress up to {@link ConvertSettings#parallel()} items ahead while one
     * writer issues their writes strictly in item order — qemu-img's in-order mode, and what makes
     * compressed output identical from run to run. A pool of that many buffers bounds the memory.
     */
    private void runInOrder(AtomicReference<Throwable> failure, BufferPool buffers) throws InterruptedException {
        Planner planner = new Planner();
        BlockingQueue<Future<Prepared>> ordered = new LinkedBlockingQueue<>();
        Future<Prepared> end = CompletableFuture.completedFuture(null);
        Thread writer = Thread.ofVirtual().name("convert-writer").start(() -> {
            try {
                for (Future<Prepared> next = ordered.take(); next != end; next = ordered.take()) {
                    Prepared p;
                    try {
                        p = next.get();
                    } catch (ExecutionException e) {
                        failure.compareAndSet(null, e.getCause());
                        continue;
                    }
                    try {
                        if (failure.get() == null) {
                            for (Write w : p.writes()) {
                                w.apply(target);
                            }
                            progress.progress(done.addAndGet(p.item().length), total);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        if (p.buffer() != null) {
                            buffers.add(p.buffer());
                        }
                    }
                }
            } catch (InterruptedException e) {
                failure.compareAndSet(null, e);
            }
        });
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            while (failure.get() == null) {
                Item item;
                try {
                    item = planner.next();
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                    break;
                }
                if (item == null) {
                    break;
                }
                ByteBuffer buffer = item.kind == Kind.DATA ? buffers.take() : null;
                ordered.put(workers.submit(() -> {
                    try {
                        return new Prepared(item, prepare(item, buffer), buffer);
                    } catch (Throwable t) {
                        if (buffer != null) {
                            buffers.add(buffer);
                        }
                        throw t;
                    }
                }));
            }
            ordered.put(end);
            writer.join();
        }
    }

    /** {@code -W}: every worker writes as soon as its item is ready. */
    private void runOutOfOrder(AtomicReference<Throwable> failure, BufferPool buffers) throws InterruptedException {
        Planner planner = new Planner();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < settings.parallel(); i++) {
            workers.add(Thread.ofVirtual().name("convert-", i).start(() -> {
                ByteBuffer buffer = null;
                try {
                    Item item;
                    while (failure.get() == null && (item = planner.next()) != null) {
                        if (buffer == null && item.kind == Kind.DATA) {
                            buffer = buffers.own();
                        }
                        for (Write w : prepare(item, buffer)) {
                            w.apply(target);
                        }
                        progress.progress(done.addAndGet(item.length), total);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (Thread t : workers) {
            t.join();
        }
    }

    /** Items never exceed a chunk, nor the whole copy. */
    private int bufferSize() {
        return (int) Math.min(CHUNK, total);
    }

    /**
     * Up to {@link ConvertSettings#parallel()} buffers, each taken from a {@link HugePageBuffers}
     * region when first needed: a buffer's pages are faulted in when first used, one fault per
     * 2 MiB where the kernel gives huge pages (an {@code allocateDirect} of eight 2 MiB buffers
     * was 4 096 faults, 65 ms of CPU on the project's 2-core VM), and a copy of a few items never
     * touches the rest. Closing the pool unmaps the buffers, once every worker is done.
     */
    private final class BufferPool implements AutoCloseable {
        private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(settings.parallel());
        /** Reserved when the first buffer is needed: a copy without data (an empty image) needs none. */
        private HugePageBuffers memory;
        private int allocated;

        /** A free buffer, waiting for one if all are in use; the planner's alone. */
        ByteBuffer take() throws InterruptedException {
            ByteBuffer b = free.poll();
            if (b != null) {
                return b;
            }
            if (allocated < settings.parallel()) {
                allocated++;
                return memory().next();
            }
            return free.take();
        }

        /** A buffer of its own for a worker that keeps it to the end ({@code -W}). */
        ByteBuffer own() {
            return memory().next();
        }

        private synchronized HugePageBuffers memory() {
            if (memory == null) {
                memory = HugePageBuffers.reserve(settings.parallel(), bufferSize());
            }
            return memory;
        }

        void add(ByteBuffer b) {
            free.add(b);
        }

        @Override
        public synchronized void close() {
            if (memory != null) {
                memory.close();
            }
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
     * Splits data into written runs and zero runs with qemu-img's rules ({@code -S}): a zero run
     * at the start or the end of the buffer is skipped whatever its length; between two data runs
     * it is skipped only if at least {@code minSparse} long, else written with its neighbours.
     * Run edges move to the target's allocation unit so that no unit is written in part: a data
     * run grows to the next boundary, a zero run before data shrinks to the previous one.
     */
    private void splitZeroRuns(Item item, ByteBuffer buffer, List<Write> writes) throws IOException {
        long minSparse = settings.minSparse();
        if (minSparse == 0) {
            addData(item.offset, buffer.slice(0, (int) item.length), writes);
            return;
        }
        ZeroRuns runs = new ZeroRuns(buffer, (int) item.length, item.offset / SECTOR,
                settings.alignment() / SECTOR, (int) Math.max(1, minSparse / SECTOR));
        int pos = 0;
        int sectors = runs.sectors();
        while (pos < sectors) {
            int count = runs.runFrom(pos);
            int from = pos * SECTOR;
            int to = (int) Math.min(item.length, (long) (pos + count) * SECTOR);
            if (runs.lastRunIsData()) {
                addData(item.offset + from, buffer.slice(from, to - from), writes);
            } else if (!settings.targetZeroed()) {
                writes.add(new Write.Zero(item.offset + from, to - from, !settings.targetBacking()));
            }
            pos += count;
        }
    }

    /**
     * The write of {@code data} (bytes of the sources at {@code offset}): a copy by the target
     * where it offers one, for the part that lies inside a source (not its padding to a sector).
     */
    private void addData(long offset, ByteBuffer data, List<Write> writes) throws IOException {
        if (copier == null) {
            writes.add(new Write.Data(offset, data));
            return;
        }
        int idx = sourceIndex(offset);
        BlockNode src = sources.get(idx);
        long srcPos = offset - sourceStarts[idx];
        int inSource = (int) Math.max(0, Math.min(data.remaining(), src.size() - srcPos));
        if (inSource > 0) {
            writes.add(new Write.Copy(copier, src, srcPos, offset, data.slice(0, inSource)));
        }
        if (inSource < data.remaining()) {
            writes.add(new Write.Data(offset + inSource, data.slice(inSource, data.remaining() - inSource)));
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

    private record Item(long offset, long length, Kind kind) {
    }

    /** Hands out items in order; block status queries happen here, one at a time. */
    private final class Planner {
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
            if (kind == Kind.ZERO && settings.minSparse() == 0) {
                // -S 0 allocates everything, zero ranges included, as qemu-img does.
                kind = Kind.DATA;
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
            Item item = new Item(pos, end - pos, kind);
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
