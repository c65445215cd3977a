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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
 * {@code create} and a write through the block layer), the format most images are in. The
 * {@code full} one, for {@code convert}, {@code compare} and the other long-running verbs, adds
 * their paths, with every format written and read and both compressions. The training also
 * starts the native warm-up thread as {@link Main} does, so that its classes are cached too.
 *
 * <p>{@code AotTraining quick|full DIR [COMMAND-LINE...]}: scratch files go to {@code DIR} (the
 * launcher passes one under {@code cli/target}), which is removed afterwards; each further
 * argument is one more command line to run, words separated by spaces.
 */
public final class AotTraining {
    /** {@code -O} and options of each format the full cache is trained to write and read. */
    private static final String[][] OTHER_FORMATS = {
        {"vdi"},
        {"vmdk"},
        {"vmdk", "-o", "subformat=streamOptimized"},
        {"vpc"},
        {"vhdx"},
    };

    private final CliContext ctx;
    private final List<String> failures = new ArrayList<>();

    private AotTraining(CliContext ctx) {
        this.ctx = ctx;
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2 || !(args[0].equals("quick") || args[0].equals("full"))) {
            throw new IllegalArgumentException("usage: AotTraining quick|full DIR [COMMAND-LINE...]");
        }
        String[] extra = Arrays.copyOfRange(args, 2, args.length);
        for (String failure : train(args[0].equals("full"), Path.of(args[1]), extra)) {
            System.err.println(failure);
        }
    }

    /**
     * Runs the training in {@code dir}, then removes it; returns the command lines that did not
     * exit as they should. A failed one trained its error path instead of the path it was meant
     * for, and the cache lacks those classes, unnoticed but for a slower start — yet a cache with
     * a gap still beats none, so failures are reported (and tested for), not fatal.
     */
    static List<String> train(boolean full, Path dir, String... extraCommandLines)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Main.configurePicocli();
        Thread warmUp = Main.startNativeWarmUp();
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        AotTraining t = new AotTraining(new CliContext(sink, sink));
        try {
            String raw = dir.resolve("a.raw").toString();
            String copy = dir.resolve("b.raw").toString();
            String qcow2 = dir.resolve("c.qcow2").toString();
            t.run("create", "-q", "-f", "raw", raw, "4M");
            writeSomeData(Path.of(raw));
            t.run("info", raw);
            t.run("info", "--output=json", raw);
            t.runExpecting(1, "info", dir.resolve("missing.raw").toString());
            t.run("map", raw);
            t.run("map", "--output=json", raw);
            t.runExpecting(63, "check", raw); // raw cannot be checked, as in qemu-img
            t.run("measure", "-O", "raw", raw);
            t.run("measure", "--output=json", "--size", "1G");
            // qcow2, the format most images are in: its driver's classes, on an image with data
            // (written through the block layer here; convert's own classes go in the full cache).
            t.run("create", "-q", "-f", "qcow2", qcow2, "4M");
            writeSomeData(t.ctx, qcow2);
            t.run("info", qcow2);
            t.run("map", qcow2);
            t.run("check", qcow2);
            // The other formats' drivers stay out of this cache: with them `info` of a VHDX or a
            // streamOptimized VMDK started ~30 ms sooner, of a VDI or VHD ~10 ms, but the cache
            // grew by 1.5 MB and every quick verb on raw or qcow2 took 3-6 ms more.
            if (full) {
                t.run("convert", "-O", "qcow2", raw, qcow2);
                t.run("convert", "-O", "raw", raw, copy);
                t.run("compare", raw, copy);
                t.run("convert", "-O", "raw", qcow2, copy);
                // Every other format, written and read: a driver the cache lacks is read from the
                // jar and linked at run time, ~12 ms of a convert that creates a VDI or VHD.
                for (int f = 0; f < OTHER_FORMATS.length; f++) {
                    String[] format = OTHER_FORMATS[f];
                    String image = dir.resolve("d" + f + "." + format[0]).toString();
                    List<String> create = new ArrayList<>(List.of("convert", "-O"));
                    create.addAll(List.of(format));
                    create.addAll(List.of(raw, image));
                    t.run(create.toArray(String[]::new));
                    t.run("convert", "-O", "qcow2", image, qcow2);
                }
                t.run("convert", "-c", "-O", "qcow2", raw, qcow2);
                t.run("convert", "-c", "-O", "qcow2", "-o", "compression_type=zstd", raw, qcow2);
            }
            for (String line : extraCommandLines) {
                Main.run(line.split(" "), t.ctx);
            }
            warmUp.join();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return t.failures;
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

    private void run(String... args) {
        runExpecting(0, args);
    }

    private void runExpecting(int exitCode, String... args) {
        int code = Main.run(args, ctx);
        if (code != exitCode) {
            failures.add("training: '" + String.join(" ", args) + "' exited with " + code + ", not " + exitCode);
        }
    }
}
