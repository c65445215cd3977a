package dev.jimg.formats.qcow2;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.util.ZeroDetector;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Benchmark driver for {@code bench/qcow2/run.sh} (not a test): the conversions and the check
 * that script times against qemu-img, done through the driver directly until the CLI's convert
 * verb is available. Usage: {@code Qcow2Bench to-qcow2|to-raw|compress-zlib|compress-zstd|check src [dst] [threads]}.
 */
public final class Qcow2Bench {
    private static final int CHUNK = 2 << 20;

    private Qcow2Bench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path src = Path.of(args[1]);
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        long t0 = System.nanoTime();
        switch (mode) {
            case "to-qcow2" -> toQcow2(src, Path.of(args[2]), null, threads);
            case "compress-zlib" -> toQcow2(src, Path.of(args[2]), "zlib", threads);
            case "compress-zstd" -> toQcow2(src, Path.of(args[2]), "zstd", threads);
            case "to-raw" -> toRaw(src, Path.of(args[2]));
            case "check" -> check(src);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.out.printf("%s %.3f s%n", mode, (System.nanoTime() - t0) / 1e9);
    }

    private static void toQcow2(Path src, Path dst, String compression, int threads) throws Exception {
        try (FileNode in = FileNode.open(src, src.toString(), OpenOptions.readOnlyDefaults())) {
            long size = in.size();
            Workload.create(dst, size, compression == null ? Map.of() : Map.of("compression_type", compression));
            // qemu-img convert writes its target with cache=unsafe (no flushes) unless told otherwise: do the same.
            OpenOptions unsafe = OpenOptions.builder().cache(dev.jimg.block.CacheMode.UNSAFE).build();
            try (BlockNode out = QemuTools.opener().open(dst.toString(), "qcow2", unsafe)) {
                if (compression == null) {
                    copy(in, out, size);
                } else {
                    compressCopy(in, out, size, threads);
                }
                out.flush();
            }
        }
    }

    /** Copy workers: I/O-bound, so more than the cores, as qemu-img convert keeps 8 requests in flight. */
    private static final int COPY_WORKERS = 4;

    /** Copies in chunks on several threads (out of order, like {@code convert -W}), skipping zero chunks. */
    private static void copy(BlockNode in, BlockNode out, long size) throws Exception {
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(COPY_WORKERS);
        try {
            java.util.List<Future<Object>> workers = new java.util.ArrayList<>();
            for (int w = 0; w < COPY_WORKERS; w++) {
                workers.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                    for (long pos = next.getAndAdd(CHUNK); pos < size; pos = next.getAndAdd(CHUNK)) {
                        int n = (int) Math.min(CHUNK, size - pos);
                        buf.clear().limit(n);
                        in.read(pos, buf);
                        buf.flip();
                        if (!ZeroDetector.isZero(buf)) {
                            out.write(pos, buf);
                        }
                    }
                    return null;
                }));
            }
            for (Future<Object> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Compression on {@code threads} workers, writes in guest order: deterministic output. Work is
     * handed out a chunk of clusters at a time, so threads meet once per chunk, not per cluster.
     */
    private static void compressCopy(BlockNode in, BlockNode out, long size, int threads) throws Exception {
        CompressedWrites cw = out.capability(CompressedWrites.class).orElseThrow();
        int unit = cw.compressionUnit();
        int chunk = Math.max(unit, CHUNK / unit * unit);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            ArrayDeque<Future<Runnable>> inFlight = new ArrayDeque<>();
            for (long pos = 0; pos < size; pos += chunk) {
                int n = (int) Math.min(chunk, size - pos);
                ByteBuffer buf = ByteBuffer.allocate(n);
                in.read(pos, buf);
                buf.flip();
                long base = pos;
                inFlight.add(pool.submit(() -> compressChunk(out, cw, base, buf, unit)));
                while (inFlight.size() > 2 * threads) {
                    inFlight.poll().get().run();
                }
            }
            while (!inFlight.isEmpty()) {
                inFlight.poll().get().run();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Compresses a chunk on a worker; returns the writes, to run in order on the caller's thread. */
    private static Runnable compressChunk(BlockNode out, CompressedWrites cw, long base, ByteBuffer buf, int unit) {
        int units = (buf.remaining() + unit - 1) / unit;
        byte[][] compressed = new byte[units][];
        boolean[] zero = new boolean[units];
        for (int i = 0; i < units; i++) {
            int n = Math.min(unit, buf.remaining() - i * unit);
            ByteBuffer u = buf.slice(i * unit, n);
            zero[i] = ZeroDetector.isZero(u);
            if (!zero[i]) {
                compressed[i] = cw.compress(u);
            }
        }
        return () -> {
            try {
                for (int i = 0; i < units; i++) {
                    long pos = base + (long) i * unit;
                    if (zero[i]) {
                        continue;
                    }
                    if (compressed[i] == null) {
                        out.write(pos, buf.slice(i * unit, Math.min(unit, buf.remaining() - i * unit)));
                    } else {
                        cw.writeCompressed(pos, compressed[i]);
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    private static void toRaw(Path src, Path dst) throws Exception {
        try (BlockNode in = QemuTools.open(src, true); FileNode out = FileNode.create(dst, dst.toString())) {
            long size = in.size();
            out.resize(size);
            copy(in, out, size); // no flush: qemu-img convert's default cache=unsafe
        }
    }

    private static void check(Path src) throws Exception {
        try (BlockNode n = QemuTools.open(src, true)) {
            CheckResult r = n.capability(Checkable.class).orElseThrow().check(Checkable.Repair.NONE, line -> { });
            if (!r.isClean()) {
                throw new IllegalStateException("check found problems: " + r);
            }
        }
    }
}
