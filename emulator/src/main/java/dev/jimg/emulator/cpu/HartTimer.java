package dev.jimg.emulator.cpu;

/**
 * The machine timer of a hart (the ACLINT MTIMER / CLINT): the {@code time} CSR reads
 * {@link #mtime()}, and the machine-timer interrupt is pending while {@code mtime >= mtimecmp}.
 */
public interface HartTimer {

    /** The current time in timer ticks. */
    long mtime();

    /** The compare value; the timer interrupt is pending while {@code mtime() >= mtimecmp()} (unsigned). */
    long mtimecmp();
}
