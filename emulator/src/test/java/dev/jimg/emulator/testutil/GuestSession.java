package dev.jimg.emulator.testutil;

import dev.jimg.block.ImageOpener;
import dev.jimg.emulator.launch.Emulator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An emulator run driven like a terminal: type into the serial console, wait for what the guest
 * prints. The machine runs on its own thread; {@link #close()} quits it with Ctrl-A x if it is
 * still running.
 */
public final class GuestSession implements AutoCloseable {
    private final PipedOutputStream keys = new PipedOutputStream();
    private final Transcript transcript = new Transcript();
    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();
    private final AtomicInteger status = new AtomicInteger(Integer.MIN_VALUE);
    private final Thread thread;
    private int consumed;

    /** Everything the guest printed, with waiters notified on every write. */
    private static final class Transcript extends OutputStream {
        private final StringBuilder text = new StringBuilder();

        @Override
        public synchronized void write(int b) {
            text.append((char) (b & 0xff));
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
                text.append((char) (b[off + i] & 0xff));
            }
            notifyAll();
        }

        synchronized String text() {
            return text.toString();
        }
    }

    public GuestSession(List<String> args) throws IOException {
        this(args, TestRawDriver.opener());
    }

    /** As {@link #GuestSession(List)}, opening drives with {@code opener} (real format drivers). */
    public GuestSession(List<String> args, ImageOpener opener) throws IOException {
        PipedInputStream in = new PipedInputStream(keys);
        PrintStream out = new PrintStream(transcript, true, StandardCharsets.ISO_8859_1);
        PrintStream err = new PrintStream(errors, true, StandardCharsets.UTF_8);
        thread = Thread.ofPlatform().name("guest").start(() -> {
            status.set(Emulator.run(args, opener, in, out, err));
            synchronized (transcript) {
                transcript.notifyAll();
            }
        });
    }

    /**
     * Waits until the guest prints {@code text} (after what earlier waits consumed) and returns the
     * output up to and including it.
     */
    public String waitFor(String text, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (transcript) {
            while (true) {
                String all = transcript.text();
                int at = all.indexOf(text, consumed);
                if (at >= 0) {
                    String seen = all.substring(consumed, at + text.length());
                    consumed = at + text.length();
                    return seen;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !thread.isAlive()) {
                    throw new TimeoutException("the guest did not print '" + text + "'"
                            + (thread.isAlive() ? " in " + timeout : " before the emulator exited with status "
                            + status.get()) + "; it printed:\n" + all.substring(Math.max(0, all.length() - 3000))
                            + "\nerrors:\n" + errors.toString(StandardCharsets.UTF_8));
                }
                transcript.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Types {@code text} on the serial console. */
    public void type(String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.ISO_8859_1));
        keys.flush();
    }

    /** Waits for the emulator to exit and returns its status. */
    public int awaitExit(Duration timeout) throws InterruptedException, TimeoutException {
        thread.join(timeout);
        if (thread.isAlive()) {
            throw new TimeoutException("the emulator did not exit in " + timeout + "; the guest printed:\n"
                    + transcript.text());
        }
        return status.get();
    }

    public String output() {
        return transcript.text();
    }

    public String errors() {
        return errors.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (thread.isAlive()) {
            type("\u0001x");
            thread.join(Duration.ofSeconds(30));
        }
        keys.close();
    }
}
