package dev.jimg.cli.output;

import dev.jimg.block.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The {@code -p} progress display: qemu-img's {@code (NN.NN/100%)} figure plus a bar, redrawn in
 * place on stderr (so that stdout stays parseable) at most every 100 ms or per whole percent.
 * Thread-safe: convert's workers report from many threads.
 */
public final class ProgressBar implements ProgressListener, AutoCloseable {
    private static final int WIDTH = 30;
    private static final long MIN_REDRAW_NANOS = 100_000_000L;

    private final PrintStream err;
    private final boolean enabled;
    private long lastDrawNanos;
    private int lastHundredths = -1;
    private boolean drawn;

    private ProgressBar(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** A bar drawn on {@code err} when {@code enabled} ({@code -p} without {@code -q}), else silent. */
    public static ProgressBar create(PrintStream err, boolean enabled) {
        return new ProgressBar(err, enabled);
    }

    @Override
    public synchronized void progress(long done, long total) {
        if (!enabled) {
            return;
        }
        double percent = total <= 0 ? 100.0 : Math.min(100.0, 100.0 * done / total);
        int hundredths = (int) Math.round(percent * 100);
        long now = System.nanoTime();
        boolean wholePercentStep = hundredths / 100 != lastHundredths / 100;
        if (hundredths == lastHundredths || (!wholePercentStep && now - lastDrawNanos < MIN_REDRAW_NANOS
                && hundredths != 10000)) {
            return;
        }
        lastHundredths = hundredths;
        lastDrawNanos = now;
        int filled = (int) (percent / 100.0 * WIDTH);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        err.print(String.format(Locale.ROOT, "    (%3.2f/100%%) [%s]\r", percent, bar));
        err.flush();
        drawn = true;
    }

    /** Ends the line the bar was drawn on. */
    @Override
    public synchronized void close() {
        if (drawn) {
            err.print('\n');
            err.flush();
        }
    }
}
