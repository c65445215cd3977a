package dev.jimg.cli;

import dev.jimg.block.BlockNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run the launcher records its AOT cache from ({@code -XX:AOTCacheOutput}, JEP 514):
 * it runs the verbs on small scratch images so that the classes they need are loaded and linked
 * ahead of time, which is most of a Java program's start-up cost.
 *
 * <p>Every class in the cache is loaded at every start, so the launcher keeps two caches, each
 * trained on what its verbs need. The {@code quick} one serves the verbs that answer in a blink
 * ({@code info}, {@code map}, {@code check}, {@code measure}, {@code create}, …), trained the way
 * they are timed: their JSON output, an error, and a qcow2 image with data (made by
 * {@code create} and a write through the block layer), the format most images are in. The {@code full} one, for {@code convert},
 * {@code compare} and the other long-running verbs, adds their paths. The training also starts
 * the native warm-up thread as {@link Main} does, so that its classes are cached too.
 *
 * <p>{@code AotTraining quick|full DIR [COMMAND-LINE...]}: scratch files go to {@code DIR} (the
 * launcher passes one under {@code cli/target}), which is removed afterwards; each further
 * argument is one more command line to run, words separated by spaces.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2 || !(args[0].equals("quick") || args[0].equals("full"))) {
            throw new IllegalArgumentException("usage: AotTraining quick|full DIR [COMMAND-LINE...]");
        }
        boolean full = args[0].equals("full");
        Path dir = Files.createDirectories(Path.of(args[1]));
        Main.configurePicocli();
        Thread warmUp = Main.startNativeWarmUp();
        try {
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
            CliContext ctx = new CliContext(sink, sink);
            String raw = dir.resolve("a.raw").toString();
            String copy = dir.resolve("b.raw").toString();
            String qcow2 = dir.resolve("c.qcow2").toString();
            run(ctx, "create", "-q", "-f", "raw", raw, "4M");
            writeSomeData(Path.of(raw));
            run(ctx, "info", raw);
            run(ctx, "info", "--output=json", raw);
            run(ctx, "info", dir.resolve("missing.raw").toString());
            run(ctx, "map", raw);
            run(ctx, "map", "--output=json", raw);
            run(ctx, "check", raw);
            run(ctx, "measure", "-O", "raw", raw);
            run(ctx, "measure", "--output=json", "--size", "1G");
            // qcow2, the format most images are in: its driver's classes, on an image with data
            // (written through the block layer here; convert's own classes go in the full cache).
            run(ctx, "create", "-q", "-f", "qcow2", qcow2, "4M");
            writeSomeData(ctx, qcow2);
            run(ctx, "info", qcow2);
            run(ctx, "map", qcow2);
            run(ctx, "check", qcow2);
            if (full) {
                run(ctx, "convert", "-O", "qcow2", raw, qcow2);
                run(ctx, "convert", "-O", "raw", raw, copy);
                run(ctx, "compare", raw, copy);
                run(ctx, "convert", "-O", "raw", qcow2, copy);
            }
            for (int i = 2; i < args.length; i++) {
                run(ctx, args[i].split(" "));
            }
            warmUp.join();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * A data extent with a zero block inside, at 1 MiB: {@code convert} then trains its data path
     * (zero runs, the copy by the kernel) as well as its hole path, as real images need.
     */
    private static void writeSomeData(Path raw) throws IOException {
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.WRITE)) {
            ch.write(someData(), 1 << 20);
        }
    }

    /** The same data, written into an image of any format through the block layer. */
    private static void writeSomeData(CliContext ctx, String image) throws IOException {
        try (BlockNode node = ctx.opener().open(image, null, ctx.openOptions().readOnly(false).build())) {
            node.write(1 << 20, someData());
            node.flush();
        }
    }

    private static ByteBuffer someData() {
        byte[] data = new byte[64 * 1024];
        Arrays.fill(data, (byte) 0x5a);
        Arrays.fill(data, 8192, 12288, (byte) 0);
        return ByteBuffer.wrap(data);
    }

    private static void run(CliContext ctx, String... args) {
        Main.run(args, ctx);
    }
}
