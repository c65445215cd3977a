package dev.jimg.emulator.guest;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Boots the guest in the reference machine, QEMU's {@code virt} board under TCG, and collects
 * what init reports. jimg's emulator must produce the same reports for the same command line.
 */
public final class QemuGuest {

    /** A boot plus one test takes a few seconds; this bounds a guest that hangs. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    /**
     * One boot.
     *
     * @param report what init printed
     * @param toInit wall time from starting QEMU to init's first line, or null if it never came
     * @param total wall time until QEMU exited or was killed
     * @param timedOut whether QEMU had to be killed
     * @param exitCode QEMU's exit code; 0 after the guest powered off
     */
    public record Run(GuestReport report, Duration toInit, Duration total, boolean timedOut, int exitCode) {}

    private QemuGuest() {}

    /**
     * Boots the guest ({@link GuestImage#build()}, once per JVM) with {@code parameters} appended to
     * the kernel command line (e.g. {@code jimg.test=readwrite jimg.dev=/dev/vda}) and the given
     * extra QEMU options.
     */
    public static Run boot(String parameters, List<String> qemuOptions, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>(List.of("qemu-system-riscv64"));
        command.addAll(GuestImage.build().bootOptions(parameters));
        command.addAll(qemuOptions);

        long start = System.nanoTime();
        Process qemu = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        ConsoleReader console = new ConsoleReader(qemu);
        console.start();
        boolean finished = HostCommand.waitFor(qemu, timeout);
        long end = System.nanoTime();
        try {
            console.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the guest console", e);
        }
        Duration toInit = console.initSeen < 0 ? null : Duration.ofNanos(console.initSeen - start);
        return new Run(GuestReport.parse(console.text()), toInit, Duration.ofNanos(end - start),
                !finished, finished ? qemu.exitValue() : -1);
    }

    /** Collects the console and notes when init's first line arrives. */
    private static final class ConsoleReader extends Thread {
        private final Process process;
        private final StringBuilder text = new StringBuilder();
        private volatile long initSeen = -1;

        ConsoleReader(Process process) {
            super("qemu-console");
            setDaemon(true);
            this.process = process;
        }

        @Override
        public void run() {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null;) {
                    if (initSeen < 0 && line.contains("JIMG-BOOT:")) {
                        initSeen = System.nanoTime();
                    }
                    synchronized (text) {
                        text.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                synchronized (text) {
                    text.append("\n[console read failed: ").append(e).append("]\n");
                }
            }
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }
}
