package dev.jimg.emulator.cpu;

/**
 * {@code mcycle} or {@code minstret}: derived from the hart's count of retired instructions
 * (this CPU retires one instruction per cycle), writable, and frozen while its
 * {@code mcountinhibit} bit is set.
 */
final class Counter {
    private long delta;
    private long frozen;
    private boolean inhibited;

    long value(long retired) {
        return inhibited ? frozen : retired + delta;
    }

    void write(long value, long retired) {
        if (inhibited) {
            frozen = value;
        } else {
            delta = value - retired;
        }
    }

    void inhibit(boolean value, long retired) {
        if (value == inhibited) {
            return;
        }
        if (value) {
            frozen = retired + delta;
        } else {
            delta = frozen - retired;
        }
        inhibited = value;
    }
}
