package dev.jimg.block.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real peer tool (qemu-img, qemu-io, mkfs.ext4…) for an interop test and captures what it
 * printed. A tool that is missing fails the test with a message naming the Debian package, since
 * the project's test command installs them: a skipped interop test would be a silent pass.
 */
public final class ExternalTool {
    private static final long DEFAULT_TIMEOUT_SECONDS = 300;

    private ExternalTool() {
    }

    /** What a run printed and returned. */
    public record Result(int exitCode, String stdout, String stderr, List<String> command) {
        /** Fails unless the tool exited with 0, showing everything it printed. */
        public Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("command failed with exit code " + exitCode + ": " + String.join(" ", command)
                        + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
            }
            return this;
        }
    }

    public static Result run(Path workDir, String... command) {
        return run(workDir, DEFAULT_TIMEOUT_SECONDS, Arrays.asList(command));
    }

    public static Result run(Path workDir, long timeoutSeconds, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0) + " (is its Debian package installed? "
                    + "the project's test command installs qemu-utils, e2fsprogs, …): " + e.getMessage(), e);
        }
        try {
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread tOut = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
            Thread tErr = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            tOut.join();
            tErr.join();
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                    List.copyOf(command));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code qemu-img args…} in {@code workDir}. */
    public static Result qemuImg(Path workDir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("qemu-img");
        cmd.addAll(Arrays.asList(args));
        return run(workDir, DEFAULT_TIMEOUT_SECONDS, cmd);
    }

    /** {@code qemu-io args…} in {@code workDir}. */
    public static Result qemuIo(Path workDir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("qemu-io");
        cmd.addAll(Arrays.asList(args));
        return run(workDir, DEFAULT_TIMEOUT_SECONDS, cmd);
    }
}
