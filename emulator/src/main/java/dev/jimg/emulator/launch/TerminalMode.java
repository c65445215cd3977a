package dev.jimg.emulator.launch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Puts the controlling terminal into raw mode while the guest owns the console (so that keys
 * reach it one by one, Ctrl-C included), and restores the saved settings afterwards, with
 * {@code stty} as QEMU's stdio character device does through termios.
 */
final class TerminalMode implements AutoCloseable {
    private static final File TTY = new File("/dev/tty");
    private final String saved;

    private TerminalMode(String saved) {
        this.saved = saved;
    }

    /** Switches to raw mode if standard input is a terminal; otherwise does nothing. */
    static TerminalMode enterRawIfTerminal() throws IOException {
        java.io.Console console = System.console();
        if (console == null || !console.isTerminal() || !TTY.exists()) {
            return new TerminalMode(null);
        }
        String settings = stty("-g").trim();
        stty("raw", "-echo");
        return new TerminalMode(settings);
    }

    @Override
    public void close() throws IOException {
        if (saved != null) {
            stty(saved);
        }
    }

    private static String stty(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectInput(TTY).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed: " + output.trim());
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running stty", e);
        }
    }
}
