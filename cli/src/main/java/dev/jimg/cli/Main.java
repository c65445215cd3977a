package dev.jimg.cli;

import dev.jimg.block.ImageException;
import dev.jimg.block.file.FileNode;
import dev.jimg.cli.startup.CommandModel;
import dev.jimg.cli.verbs.Verbs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code jimg} command. Only the verb that was asked for is built and parsed: start-up time is
 * part of the product (qemu-img answers {@code info} in milliseconds), so nothing is loaded for
 * the other verbs.
 */
public final class Main {
    static final String VERSION = "jimg 0.1.0 (qemu-img 7.2 compatible)";
    /** First arguments after which jimg opens no image. */
    private static final Set<String> NO_IMAGE_OPTIONS = Set.of("-V", "--version", "-h", "--help");

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && !NO_IMAGE_OPTIONS.contains(args[0])) {
            startNativeWarmUp();
        }
        configurePicocli();
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true,
                StandardCharsets.UTF_8);
        int code = run(args, new CliContext(out, err));
        out.flush();
        err.flush();
        System.out.flush();
        System.err.flush();
        // Runtime.exit first asks System.Logger whether to log the exit, which boots
        // java.util.logging (reading its configuration) in every run: about a tenth of an empty
        // JVM's start-up. jimg registers no shutdown hooks and has flushed its output, so it halts.
        // A verb that ever needs shutdown hooks must switch this back to System.exit.
        Runtime.getRuntime().halt(code);
    }

    /**
     * Every verb that opens an image makes a native call (at the least QEMU's image locks), and
     * the FFM linkage costs ~30 ms of one core, more than the rest of a quick verb's own work: it
     * is set up on the second core from the start, while picocli parses. A plain {@code Thread}
     * and a named {@code Runnable}, not a thread builder and a method reference: the AOT training
     * run calls this too, but a lambda or builder class it had not seen would be generated or
     * loaded at every start.
     */
    static Thread startNativeWarmUp() {
        Thread t = new Thread(new NativeWarmUp(), "native-warm-up");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static final class NativeWarmUp implements Runnable {
        @Override
        public void run() {
            FileNode.warmUpNativeAccess();
        }
    }

    /**
     * picocli otherwise probes the class path for Groovy, and loads and initialises the java.sql
     * and java.time classes of converters no jimg option uses, on every run (a
     * {@code java.nio.file.Path} option still converts). The AOT training run must do the same:
     * every class it loads is in the cache, and every class in the cache is loaded at every start.
     */
    static void configurePicocli() {
        System.setProperty("picocli.disable.closures", "true");
        // One expression: picocli compiles it once per converter it considers.
        System.setProperty("picocli.converters.excludes", "java\\.[st].*");
    }

    /** Runs one command line and returns its exit code; never throws. */
    public static int run(String[] args, CliContext ctx) {
        int i = 0;
        while (i < args.length && args[i].startsWith("-")) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    Verbs.printOverview(ctx.out());
                    return 0;
                }
                case "-V", "--version" -> {
                    ctx.out().println(VERSION);
                    return 0;
                }
                case "--debug" -> ctx.setDebug(true);
                case "--allow-external-paths" -> ctx.setAllowExternalPaths(true);
                case "-T", "--trace" -> i++; // qemu's tracing has no counterpart; accepted and ignored
                default -> {
                    ctx.error("unrecognized option '" + args[i] + "'");
                    ctx.err().println("Try 'jimg --help' for more information");
                    return 1;
                }
            }
            i++;
        }
        if (i >= args.length) {
            ctx.error("Not enough arguments");
            ctx.err().println("Try 'jimg --help' for more information");
            return 1;
        }
        String verb = args[i];
        Supplier<Object> factory = Verbs.find(verb, ctx);
        if (factory == null) {
            ctx.error("Command not found: " + verb);
            return 1;
        }
        String[] rest = Arrays.copyOfRange(args, i + 1, args.length);
        Object command = factory.get();
        if (command instanceof PreparesArguments p) {
            rest = p.prepare(rest);
        }
        return execute(command, rest, ctx);
    }

    private static int execute(Object command, String[] args, CliContext ctx) {
        // From the build-time model where it covers the verb: reading the annotations instead
        // costs a generated proxy class per annotation type (docs/startup.md).
        CommandLine.IFactory factory = CommandLine.defaultFactory();
        CommandSpec spec = CommandModel.specFor(command, factory);
        CommandLine cl = spec != null ? new CommandLine(spec, factory) : new CommandLine(command, factory);
        cl.setOut(new java.io.PrintWriter(ctx.out(), true));
        cl.setErr(new java.io.PrintWriter(ctx.err(), true));
        cl.setParameterExceptionHandler((ex, a) -> {
            ctx.error(ex.getMessage());
            ctx.err().println("Try 'jimg " + ex.getCommandLine().getCommandName() + " --help' for more information");
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> handle(ex, ctx));
        return cl.execute(args);
    }

    /** Maps a failure to qemu-img's one-line message and exit code 1. */
    static int handle(Exception ex, CliContext ctx) {
        if (ex instanceof ImageException ie) {
            ctx.error(ie.file() != null ? ie.file() + ": " + ie.getMessage() : ie.getMessage());
        } else if (ex instanceof IOException io) {
            ctx.error(describe(io));
        } else {
            ctx.error("internal error: " + ex);
            if (!ctx.debug()) {
                ctx.err().println("(run with --debug for the stack trace)");
            }
        }
        if (ctx.debug()) {
            ex.printStackTrace(ctx.err());
        }
        return 1;
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + ": No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return a.getFile() + ": Permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
