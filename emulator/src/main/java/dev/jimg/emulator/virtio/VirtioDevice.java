package dev.jimg.emulator.virtio;

import java.util.List;

/**
 * The device half of virtio (virtio 1.1, chapter 5), independent of how it is attached: the same
 * device sits behind the MMIO transport here and behind a PCI transport elsewhere.
 *
 * <p>The transport owns the common registers, feature negotiation and the queue set-up; it calls
 * {@link #start} once the driver sets DRIVER_OK, {@link #queueNotified} on notifications (on the
 * CPU thread), and {@link #reset} when the driver resets the device.
 */
public interface VirtioDevice {

    /** VIRTIO_F_VERSION_1: the modern interface, the only one offered. */
    long F_VERSION_1 = 1L << 32;
    /** VIRTIO_RING_F_INDIRECT_DESC. */
    long F_INDIRECT_DESC = 1L << 28;

    /** The device type (2 for block). */
    int deviceId();

    /** Feature bits the device offers, the transport-independent ones included. */
    long features();

    int queueCount();

    /** The largest queue the driver may set up. */
    int queueMaxSize();

    /** Bytes of device configuration space. */
    int configSize();

    /** Reads {@code size} bytes of configuration space, little-endian. */
    long readConfig(int offset, int size);

    void writeConfig(int offset, int size, long value);

    /** The driver is ready: use these queues (entries may be null for queues it left unset). */
    void start(long negotiatedFeatures, List<Virtqueue> queues, VirtioTransport transport);

    /** The driver made buffers available on {@code queue}. */
    void queueNotified(int queue);

    /** Stops using the queues; requests still running complete without touching them. */
    void reset();
}
