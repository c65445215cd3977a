package dev.jimg.emulator.devices;

import dev.jimg.emulator.cpu.IdleStrategy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The machine's notion of time: the CLINT's {@code mtime} at 10 MHz, as QEMU's {@code virt}
 * ({@code timebase-frequency} 10000000), and the wall clock the RTC shows.
 *
 * <p>Virtual time is host time plus an offset. With skipping enabled, an idle hart may move the
 * offset forward to its next timer deadline (an {@link IdleStrategy}), so that guest sleeps cost
 * no wall time, as QEMU's {@code -icount shift=auto,sleep=off} does. Skipping is refused while a
 * device has requests in flight ({@link #beginWork()} / {@link #endWork()}): a guest waiting for a
 * disk with a timeout must not see the timeout expire in no time.
 */
public final class VirtualClock implements IdleStrategy {
    /** mtime frequency in Hz. */
    public static final long TIMEBASE_HZ = 10_000_000;
    private static final long NANOS_PER_TICK = 1_000_000_000 / TIMEBASE_HZ;

    private final LongSupplier hostNanos;
    private final long start;
    private final boolean skipping;
    private final AtomicLong offsetNanos = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param skipping  whether idle time may be skipped
     * @param hostNanos the host's monotonic clock ({@code System::nanoTime}, or a fake in tests)
     */
    public VirtualClock(boolean skipping, LongSupplier hostNanos) {
        this.skipping = skipping;
        this.hostNanos = hostNanos;
        this.start = hostNanos.getAsLong();
    }

    public VirtualClock(boolean skipping) {
        this(skipping, System::nanoTime);
    }

    /** Nanoseconds of virtual time since the machine started. */
    public long nanos() {
        return hostNanos.getAsLong() - start + offsetNanos.get();
    }

    /** The CLINT's mtime. */
    public long ticks() {
        return nanos() / NANOS_PER_TICK;
    }

    /** Nanoseconds virtual time has run ahead of host time by skipping. */
    public long skippedNanos() {
        return offsetNanos.get();
    }

    public boolean isSkipping() {
        return skipping;
    }

    /** A device started work the guest will wait for. */
    public void beginWork() {
        inFlight.incrementAndGet();
    }

    /** That work completed. */
    public void endWork() {
        inFlight.decrementAndGet();
    }

    @Override
    public boolean skipTo(long deadlineTicks) {
        if (!skipping || inFlight.get() > 0) {
            return false;
        }
        long ahead = deadlineTicks * NANOS_PER_TICK - nanos();
        if (ahead > 0) {
            offsetNanos.addAndGet(ahead);
        }
        return true;
    }
}
