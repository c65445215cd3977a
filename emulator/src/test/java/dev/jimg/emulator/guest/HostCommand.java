package dev.jimg.emulator.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool (build script, mkfs, debugfs, sfdisk) to completion under a deadline.
 *
 * <p>Output goes to temporary files rather than pipes so that a chatty tool can never block on a
 * full pipe while we wait for it; on timeout the tool and everything it started is killed.
 */
final class HostCommand {

    /** What a finished tool printed; {@code stderr} also carries its progress messages. */
    record Output(String stdout, String stderr) {}

    private HostCommand() {}

    static Output run(Duration timeout, String... command) throws IOException {
        return run(timeout, List.of(command));
    }

    static Output run(Duration timeout, List<String> command) throws IOException {
        return run(timeout, Path.of("/dev/null"), command);
    }

    /** Runs the command with standard input read from {@code stdin}. */
    static Output run(Duration timeout, Path stdin, List<String> command) throws IOException {
        Path stdout = Files.createTempFile("jimg-cmd", ".out");
        Path stderr = Files.createTempFile("jimg-cmd", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(stdin.toFile())
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            boolean finished = waitFor(process, timeout);
            Output output = new Output(Files.readString(stdout), Files.readString(stderr));
            if (!finished) {
                throw new IOException(command.getFirst() + " did not finish within " + timeout
                        + " and was killed; its output:\n" + output.stdout() + output.stderr());
            }
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed with exit code "
                        + process.exitValue() + "; its output:\n" + output.stdout() + output.stderr());
            }
            return output;
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    /** Waits for the process; on timeout kills it with its descendants and returns false. */
    static boolean waitFor(Process process, Duration timeout) throws IOException {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
            throw new IOException("interrupted while waiting for " + process.info().command().orElse("a process"), e);
        }
        kill(process);
        return false;
    }

    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
