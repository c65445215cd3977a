package dev.jimg.cli;

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
 * <p>The quick verbs ({@code info}, {@code map}, {@code check}, {@code measure}) are trained the way
 * they are timed, including their JSON output and an error; {@code create}, {@code convert} and
 * {@code compare} come along because longer runs also start, and so do convert, info, map and
 * check of a qcow2 image with data, the format most images are in. Every class in the cache is
 * loaded at every start, so what is trained is kept to what runs often.
 *
 * <p>{@code AotTraining DIR [COMMAND-LINE...]}: scratch files go to {@code DIR} (the launcher
 * passes one under {@code cli/target}), which is removed afterwards; each further argument is one
 * more command line to run, words separated by spaces.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: AotTraining DIR [COMMAND-LINE...]");
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        try {
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
            CliContext ctx = new CliContext(sink, sink);
            String raw = dir.resolve("a.raw").toString();
            String copy = dir.resolve("b.raw").toString();
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
            run(ctx, "convert", "-O", "raw", raw, copy);
            run(ctx, "compare", raw, copy);
            // qcow2, the format most images are in: its driver's classes, on an image with data.
            String qcow2 = dir.resolve("c.qcow2").toString();
            run(ctx, "convert", "-O", "qcow2", raw, qcow2);
            run(ctx, "info", qcow2);
            run(ctx, "map", qcow2);
            run(ctx, "check", qcow2);
            run(ctx, "convert", "-O", "raw", qcow2, copy);
            for (int i = 1; i < args.length; i++) {
                run(ctx, args[i].split(" "));
            }
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
        byte[] data = new byte[64 * 1024];
        Arrays.fill(data, (byte) 0x5a);
        Arrays.fill(data, 8192, 12288, (byte) 0);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), 1 << 20);
        }
    }

    private static void run(CliContext ctx, String... args) {
        Main.run(args, ctx);
    }
}
