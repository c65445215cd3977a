package dev.jimg.emulator.devices;

/**
 * Tells the machine that a device is busy with something the guest is waiting for, so that idle
 * time is not skipped meanwhile (see {@link VirtualClock}): a guest waiting for a disk with a
 * timeout must not see the timeout expire in no time. Every {@link #begin} is followed by one
 * {@link #end}, from any thread.
 */
public interface WorkTracker {
    WorkTracker NONE = new WorkTracker() {
        @Override
        public void begin() {
        }

        @Override
        public void end() {
        }
    };

    void begin();

    void end();
}
