package dev.jimg.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run the launcher records its AOT cache from: it runs the quick verbs on small
 * scratch images so that the classes they need are loaded and linked ahead of time, which is most
 * of a Java program's start-up cost.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("jimg-aot");
        try {
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
            CliContext ctx = new CliContext(sink, sink);
            String raw = dir.resolve("a.raw").toString();
            String copy = dir.resolve("b.raw").toString();
            run(ctx, "create", "-q", "-f", "raw", raw, "4M");
            run(ctx, "info", raw);
            run(ctx, "info", "--output=json", raw);
            run(ctx, "map", raw);
            run(ctx, "map", "--output=json", raw);
            run(ctx, "check", raw);
            run(ctx, "measure", "-O", "raw", raw);
            run(ctx, "measure", "--output=json", "--size", "1G");
            run(ctx, "convert", "-O", "raw", raw, copy);
            run(ctx, "compare", raw, copy);
            for (String extra : args) {
                run(ctx, extra.split(" "));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void run(CliContext ctx, String... args) {
        Main.run(args, ctx);
    }
}
