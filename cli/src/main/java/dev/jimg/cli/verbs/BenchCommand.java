package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bench}: issues {@code count} requests of {@code bufsize} bytes, {@code depth} at a time,
 * stepping through the image; each in-flight request is a virtual thread, the way the emulator's
 * devices drive the block layer.
 */
@Command(name = "bench", description = "Run a simple I/O benchmark on an image.",
        customSynopsis = "jimg bench [-c COUNT] [-d DEPTH] [-f FMT] [--flush-interval=N] [--no-drain] [-o OFFSET]"
                + " [--pattern=PATTERN] [-q] [-s BUFFER_SIZE] [-S STEP_SIZE] [-t CACHE] [-w] [-U] FILE")
final class BenchCommand extends VerbBase {
    @Option(names = {"-c", "--count"}, paramLabel = "COUNT")
    long count = 75000;

    @Option(names = {"-d", "--depth"}, paramLabel = "DEPTH")
    int depth = 64;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = "--flush-interval", paramLabel = "N")
    long flushInterval;

    @Option(names = "--no-drain")
    boolean noDrain;

    @Option(names = {"-i", "--aio"}, paramLabel = "AIO")
    String aio;

    @Option(names = {"-n", "--native"})
    boolean nativeAio;

    @Option(names = {"-o", "--offset"}, paramLabel = "OFFSET")
    String offset = "0";

    @Option(names = "--pattern", paramLabel = "PATTERN")
    int pattern;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Option(names = {"-s", "--buffer-size"}, paramLabel = "BUFFER_SIZE")
    String bufferSize = "4k";

    @Option(names = {"-S", "--step-size"}, paramLabel = "STEP_SIZE")
    String stepSize;

    @Option(names = {"-t", "--cache"}, paramLabel = "CACHE")
    String cache = "writeback";

    @Option(names = {"-w", "--write"})
    boolean write;

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    BenchCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        if (nativeAio || (aio != null && !aio.equals("threads"))) {
            throw new ImageException("bench: only the 'threads' AIO mode exists in jimg (requests run on virtual threads)");
        }
        if (depth < 1 || count < 1) {
            throw new ImageException("bench: count and depth must be positive");
        }
        if (flushInterval > 0 && !write) {
            throw new ImageException("--flush-interval is only available in write tests");
        }
        long start = size("offset", offset);
        int buf = (int) size("buffer size", bufferSize);
        long step = stepSize == null ? buf : size("step size", stepSize);
        try (BlockNode node = open(filename, format, !write, forceShare, cache)) {
            long imageSize = node.size();
            if (buf <= 0 || start + buf > imageSize) {
                throw new ImageException(filename, "Request of " + buf + " bytes at offset " + start
                        + " does not fit the image (" + imageSize + " bytes)");
            }
            if (!quiet) {
                ctx.out().printf("Sending %d %s requests, %d bytes each, %d in parallel (starting at offset %d, step size %d)%n",
                        count, write ? "write" : "read", buf, depth, start, step);
                if (flushInterval > 0) {
                    ctx.out().printf("Sending flush every %d requests%n", flushInterval);
                }
                ctx.out().flush();
            }
            long began = System.nanoTime();
            runRequests(node, imageSize, start, buf, step);
            double seconds = (System.nanoTime() - began) / 1e9;
            if (!quiet) {
                ctx.out().println(String.format(Locale.ROOT, "Run completed in %3.3f seconds.", seconds));
            }
        }
        return 0;
    }

    private void runRequests(BlockNode node, long imageSize, long start, int buf, long step) throws IOException {
        AtomicLong next = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long span = imageSize - start - buf + 1;
        List<Thread> threads = new ArrayList<>();
        int workers = (int) Math.min(depth, count);
        for (int w = 0; w < workers; w++) {
            threads.add(Thread.ofVirtual().start(() -> {
                ByteBuffer data = ByteBuffer.allocateDirect(buf);
                for (int i = 0; i < buf; i++) {
                    data.put(i, (byte) pattern);
                }
                try {
                    long i;
                    while ((i = next.getAndIncrement()) < count && failure.get() == null) {
                        long pos = start + Math.floorMod(i * step, span);
                        data.clear();
                        if (write) {
                            node.write(pos, data);
                            if (flushInterval > 0 && (i + 1) % flushInterval == 0) {
                                node.flush();
                            }
                        } else {
                            node.read(pos, data);
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("bench interrupted", e);
            }
        }
        if (write && !noDrain) {
            node.flush();
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f != null) {
            throw new IOException(f);
        }
    }

    private static long size(String what, String text) {
        long v = Sizes.tryParse(text);
        if (v < 0) {
            throw new ImageException("Invalid " + what + " specified");
        }
        return v;
    }
}
