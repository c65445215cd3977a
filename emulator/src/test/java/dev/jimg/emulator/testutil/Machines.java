package dev.jimg.emulator.testutil;

import dev.jimg.block.ImageOpener;
import dev.jimg.emulator.launch.Emulator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a guest on this emulator or on {@code qemu-system-riscv64}, with a time limit. */
public final class Machines {
    private Machines() {
    }

    /** A bare-metal program with {@code -bios none}, on this emulator. */
    public static RunResult runOurs(Path elf, Duration timeout, String... extraArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("-M", "virt", "-bios", "none", "-m", "128M", "-nographic",
                "-kernel", elf.toString()));
        args.addAll(List.of(extraArgs));
        return runOurs(args, timeout);
    }

    /** Any command line on this emulator; the run is quit with Ctrl-A x if it outlasts {@code timeout}. */
    public static RunResult runOurs(List<String> args, Duration timeout) throws Exception {
        return runOurs(args, timeout, TestRawDriver.opener());
    }

    /** As {@link #runOurs(List, Duration)}, opening drives with {@code opener} (real format drivers). */
    public static RunResult runOurs(List<String> args, Duration timeout, ImageOpener opener) throws Exception {
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        AtomicInteger status = new AtomicInteger();
        Thread t = Thread.ofPlatform().name("guest").start(() -> status.set(Emulator.run(args, opener, in,
                new PrintStream(console, true, StandardCharsets.UTF_8), new PrintStream(errors, true, StandardCharsets.UTF_8))));
        t.join(timeout);
        boolean timedOut = t.isAlive();
        String where = "";
        if (timedOut) {
            StringBuilder stack = new StringBuilder("\n[the emulator thread was at:");
            for (StackTraceElement e : t.getStackTrace()) {
                stack.append("\n    ").append(e);
            }
            where = stack.append("]\n").toString();
            keys.write(new byte[] {1, 'x'});
            keys.flush();
            t.join(Duration.ofSeconds(10));
        }
        keys.close();
        String out = console.toString(StandardCharsets.UTF_8) + errors.toString(StandardCharsets.UTF_8) + where;
        return new RunResult(status.get(), out, timedOut);
    }

    /** The same program on {@code qemu-system-riscv64 -M virt -bios none}. */
    public static RunResult runQemu(Path elf, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("qemu-system-riscv64", "-M", "virt", "-bios", "none", "-m", "128M",
                "-nographic", "-monitor", "none", "-serial", "stdio", "-kernel", elf.toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AtomicReference<IOException> readFailure = new AtomicReference<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException e) {
                readFailure.set(e);
            }
        });
        boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(Duration.ofSeconds(10));
        if (finished && readFailure.get() != null) {
            throw readFailure.get();
        }
        return new RunResult(finished ? p.exitValue() : -1, out.toString(StandardCharsets.UTF_8), !finished);
    }
}
