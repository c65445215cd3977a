package dev.jimg.emulator.virtio;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.IrqLine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What every virtio transport keeps for its device, whatever the register layout: feature
 * negotiation, the device status, the queues as the driver sets them up, the interrupt status and
 * the configuration generation (virtio 1.1, chapters 2 "Basic Facilities of a Virtio Device" and
 * 3.1 "Device Initialization"). A transport maps its registers onto these operations, holding its
 * lock; the device's own calls ({@link VirtioTransport}) arrive from I/O threads and take that lock
 * here. The interrupt line is high while the interrupt status is non-zero, whichever transport
 * drives it.
 *
 * <p>The device status follows section 2.1: writing 0 resets the device; FEATURES_OK sticks only
 * if the driver accepted a subset of the offered features including VIRTIO_F_VERSION_1; DRIVER_OK
 * starts the device with the queues that are enabled; DEVICE_NEEDS_RESET is the device's to set.
 */
final class VirtioControl implements VirtioTransport {
    static final int STATUS_ACKNOWLEDGE = 1;
    static final int STATUS_DRIVER = 2;
    static final int STATUS_DRIVER_OK = 4;
    static final int STATUS_FEATURES_OK = 8;
    static final int STATUS_NEEDS_RESET = 64;
    static final int STATUS_FAILED = 128;
    /** Interrupt status bits, the same in virtio-mmio's InterruptStatus and virtio-pci's ISR. */
    static final int INTERRUPT_USED = 1;
    static final int INTERRUPT_CONFIG = 2;

    /** One queue's registers as the driver sets them up. */
    static final class QueueSetup {
        int size;
        boolean ready;
        long desc;
        long driver;
        long device;
        Virtqueue queue;
    }

    private final VirtioDevice device;
    private final Object lock;
    private final Supplier<AddressSpace> memory;
    private final IrqLine interrupt;
    private final Consumer<String> warnings;
    private final QueueSetup[] queues;
    private int deviceFeaturesSelect;
    private int driverFeaturesSelect;
    private long driverFeatures;
    private int queueSelect;
    private int status;
    private int interruptStatus;
    private int configGeneration;
    private boolean started;

    /**
     * @param device    the device, or {@code null} for an empty virtio-mmio slot
     * @param lock      the transport's lock, which its register accesses hold
     * @param memory    guest memory as the device's DMA sees it (asked when it is used, as a PCI
     *                  function has none until it is plugged)
     * @param interrupt the transport's interrupt output
     */
    VirtioControl(VirtioDevice device, Object lock, Supplier<AddressSpace> memory, IrqLine interrupt,
            Consumer<String> warnings) {
        this.device = device;
        this.lock = lock;
        this.memory = memory;
        this.interrupt = interrupt;
        this.warnings = warnings;
        this.queues = new QueueSetup[device == null ? 0 : device.queueCount()];
        resetQueues();
    }

    VirtioDevice device() {
        return device;
    }

    int queueCount() {
        return queues.length;
    }

    // ---------------------------------------------------------------- features

    void selectDeviceFeatures(int select) {
        deviceFeaturesSelect = select;
    }

    int deviceFeaturesSelect() {
        return deviceFeaturesSelect;
    }

    /** The 32 offered feature bits the driver selected (0 beyond bit 63). */
    long deviceFeatures() {
        if (device == null || deviceFeaturesSelect < 0 || deviceFeaturesSelect > 1) {
            return 0;
        }
        return (device.features() >>> (32 * deviceFeaturesSelect)) & 0xffff_ffffL;
    }

    void selectDriverFeatures(int select) {
        driverFeaturesSelect = select;
    }

    int driverFeaturesSelect() {
        return driverFeaturesSelect;
    }

    /** The 32 accepted feature bits the driver selected. */
    long driverFeatures() {
        if (driverFeaturesSelect < 0 || driverFeaturesSelect > 1) {
            return 0;
        }
        return (driverFeatures >>> (32 * driverFeaturesSelect)) & 0xffff_ffffL;
    }

    void setDriverFeatures(int value) {
        if (driverFeaturesSelect >= 0 && driverFeaturesSelect <= 1 && (status & STATUS_FEATURES_OK) == 0) {
            int shift = 32 * driverFeaturesSelect;
            driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | ((value & 0xffff_ffffL) << shift);
        }
    }

    // ---------------------------------------------------------------- queues

    void selectQueue(int index) {
        queueSelect = index;
    }

    int queueSelect() {
        return queueSelect;
    }

    /** The selected queue's set-up, or {@code null} if the selector names no queue. */
    QueueSetup selected() {
        return queueSelect >= 0 && queueSelect < queues.length ? queues[queueSelect] : null;
    }

    int queueMaxSize() {
        return selected() == null ? 0 : device.queueMaxSize();
    }

    /** Sets one of the selected queue's addresses: 0 descriptor table, 1 driver area, 2 device area. */
    void setQueueAddress(int which, long mask, long value) {
        QueueSetup q = selected();
        if (q == null || q.ready) {
            return;
        }
        switch (which) {
            case 0 -> q.desc = q.desc & ~mask | value & mask;
            case 1 -> q.driver = q.driver & ~mask | value & mask;
            case 2 -> q.device = q.device & ~mask | value & mask;
            default -> throw new IllegalArgumentException("queue area " + which);
        }
    }

    long queueAddress(int which) {
        QueueSetup q = selected();
        if (q == null) {
            return 0;
        }
        return which == 0 ? q.desc : which == 1 ? q.driver : q.device;
    }

    void setQueueSize(int size) {
        QueueSetup q = selected();
        if (q != null && !q.ready) {
            q.size = size;
        }
    }

    /** Whether the selected queue is enabled. */
    boolean queueReady() {
        QueueSetup q = selected();
        return q != null && q.ready;
    }

    /** Enables or disables the selected queue; a size that is not a power of two up to the maximum is an error. */
    void setQueueReady(boolean ready) {
        QueueSetup q = selected();
        if (q == null) {
            return;
        }
        if (ready && !q.ready) {
            int size = q.size;
            if (size <= 0 || size > device.queueMaxSize() || Integer.bitCount(size) != 1) {
                needsReset("queue " + queueSelect + " set up with " + size + " entries");
                return;
            }
            q.queue = new Virtqueue(memory.get(), size, q.desc, q.driver, q.device,
                    (driverFeatures & VirtioDevice.F_INDIRECT_DESC) != 0);
        } else if (!ready) {
            q.queue = null;
        }
        q.ready = ready;
    }

    /** A driver's notification for {@code queue}; ignored before DRIVER_OK or for a queue not set up. */
    void notifyQueue(int queue) {
        if (started && queue >= 0 && queue < queues.length && queues[queue].queue != null) {
            device.queueNotified(queue);
        }
    }

    // ---------------------------------------------------------------- status

    int status() {
        return status;
    }

    /** The driver writes the device status; 0 resets the device. */
    void setStatus(int value) {
        int v = value & 0xff;
        if (v == 0) {
            reset();
            return;
        }
        if (device == null) {
            return;
        }
        if ((v & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0) {
            boolean acceptable = (driverFeatures & ~device.features()) == 0
                    && (driverFeatures & VirtioDevice.F_VERSION_1) != 0;
            if (!acceptable) {
                v &= ~STATUS_FEATURES_OK;
            }
        }
        status = v | (status & STATUS_NEEDS_RESET);
        if ((v & STATUS_DRIVER_OK) != 0 && !started) {
            started = true;
            List<Virtqueue> running = new ArrayList<>();
            for (QueueSetup q : queues) {
                running.add(q.queue);
            }
            device.start(driverFeatures, running, this);
        }
    }

    /** The device can only go on after a reset: sets DEVICE_NEEDS_RESET and tells the driver. */
    @Override
    public void needsReset(String why) {
        synchronized (lock) {
            warnings.accept("virtio device " + (device == null ? "" : device.deviceId()) + ": " + why
                    + "; the device needs a reset");
            status |= STATUS_NEEDS_RESET;
            if ((status & STATUS_DRIVER_OK) != 0) {
                configChanged();
            }
        }
    }

    /** Back to the state after power-on: the device resets and forgets every queue. */
    void reset() {
        if (device != null) {
            device.reset();
        }
        started = false;
        status = 0;
        driverFeatures = 0;
        deviceFeaturesSelect = 0;
        driverFeaturesSelect = 0;
        queueSelect = 0;
        interruptStatus = 0;
        resetQueues();
        updateInterrupt();
    }

    private void resetQueues() {
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new QueueSetup();
            queues[i].size = device.queueMaxSize();
        }
    }

    // ---------------------------------------------------------------- interrupts and configuration

    int interruptStatus() {
        return interruptStatus;
    }

    /** Clears {@code bits} of the interrupt status; returns what remains. */
    int acknowledge(int bits) {
        interruptStatus &= ~bits;
        updateInterrupt();
        return interruptStatus;
    }

    @Override
    public AddressSpace memory() {
        return memory.get();
    }

    @Override
    public void usedBuffers(int queue) {
        synchronized (lock) {
            interruptStatus |= INTERRUPT_USED;
            updateInterrupt();
        }
    }

    int configGeneration() {
        return configGeneration;
    }

    @Override
    public void configChanged() {
        synchronized (lock) {
            configGeneration++;
            interruptStatus |= INTERRUPT_CONFIG;
            updateInterrupt();
        }
    }

    private void updateInterrupt() {
        interrupt.set(interruptStatus != 0);
    }

    /** A driver's read of the device configuration; bytes beyond it (or without a device) read as 0. */
    long readDeviceConfig(int offset, int size) {
        return device != null && offset + size <= device.configSize() ? device.readConfig(offset, size) : 0;
    }

    /** A driver's write to the device configuration; bytes beyond it are ignored. */
    void writeDeviceConfig(int offset, int size, long value) {
        if (device != null && offset + size <= device.configSize()) {
            device.writeConfig(offset, size, value);
        }
    }
}
