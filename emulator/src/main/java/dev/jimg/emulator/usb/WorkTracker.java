package dev.jimg.emulator.usb;

/**
 * Tells the machine that a device is busy with something the guest is waiting for, so that idle
 * time is not skipped meanwhile (see {@code VirtualClock}). A host controller attaches one to each
 * device ({@link UsbDevice#attachWork}); a transfer a device merely keeps waiting (a NAKed IN) is
 * not work.
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
