package dev.jimg.emulator.usb;

/**
 * The signalling speed a device runs at on its port, with the packet sizes that go with it (USB
 * 2.0, sections 5.5.3 and 5.8.3; USB 3.2, section 9.6.6).
 */
public enum UsbSpeed {
    /** 12 Mb/s. */
    FULL(64, 64),
    /** 480 Mb/s. */
    HIGH(64, 512),
    /** 5 Gb/s (Gen 1). */
    SUPER(512, 1024);

    private final int controlPacketSize;
    private final int bulkPacketSize;

    UsbSpeed(int controlPacketSize, int bulkPacketSize) {
        this.controlPacketSize = controlPacketSize;
        this.bulkPacketSize = bulkPacketSize;
    }

    /** wMaxPacketSize of the default control endpoint. */
    public int controlPacketSize() {
        return controlPacketSize;
    }

    /** wMaxPacketSize of a bulk endpoint: the largest a full-speed, high-speed or SuperSpeed bulk pipe allows. */
    public int bulkPacketSize() {
        return bulkPacketSize;
    }

    public boolean superSpeed() {
        return this == SUPER;
    }
}
