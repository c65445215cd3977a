package dev.jimg.emulator.virtio;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.Endianness;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MmioOps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The virtio-mmio transport, version 2 (virtio 1.1, section 4.2.2 "MMIO Device Register Layout"):
 * <pre>
 *   0x000 MagicValue "virt"   0x004 Version 2        0x008 DeviceID   0x00c VendorID
 *   0x010 DeviceFeatures      0x014 DeviceFeaturesSel
 *   0x020 DriverFeatures      0x024 DriverFeaturesSel
 *   0x030 QueueSel            0x034 QueueNumMax      0x038 QueueNum   0x044 QueueReady
 *   0x050 QueueNotify         0x060 InterruptStatus  0x064 InterruptACK
 *   0x070 Status
 *   0x080/0x084 QueueDesc     0x090/0x094 QueueDriver  0x0a0/0x0a4 QueueDevice
 *   0x0fc ConfigGeneration    0x100... device configuration
 * </pre>
 * A slot without a device answers with device ID 0, which drivers skip, as QEMU's empty slots do.
 * Registers are 32 bits wide; the configuration space takes any access size.
 */
public final class VirtioMmio implements MmioOps, VirtioTransport {
    public static final long SIZE = 0x1000;
    /** "virt" in little-endian ASCII. */
    private static final int MAGIC = 0x74726976;
    private static final int VERSION = 2;
    /** QEMU's vendor ID, "QEMU" in little-endian ASCII. */
    private static final int VENDOR = 0x554d4551;
    private static final long CONFIG = 0x100;

    private static final int STATUS_DRIVER_OK = 4;
    private static final int STATUS_FEATURES_OK = 8;
    private static final int STATUS_NEEDS_RESET = 64;
    private static final int INTERRUPT_USED = 1;
    private static final int INTERRUPT_CONFIG = 2;

    private final VirtioDevice device;
    private final AddressSpace memory;
    private final IrqLine irq;
    private final Consumer<String> warnings;
    private final QueueState[] queues;

    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private int status;
    private int interruptStatus;
    private int configGeneration;
    private boolean started;

    /** Per-queue registers as the driver sets them up. */
    private static final class QueueState {
        int num;
        boolean ready;
        long desc;
        long driver;
        long device;
        Virtqueue queue;
    }

    /**
     * @param device   the device in this slot, or {@code null} for an empty slot
     * @param warnings where protocol errors of the driver are reported
     */
    public VirtioMmio(VirtioDevice device, AddressSpace memory, IrqLine irq, Consumer<String> warnings) {
        this.device = device;
        this.memory = memory;
        this.irq = irq;
        this.warnings = warnings;
        int count = device == null ? 0 : device.queueCount();
        this.queues = new QueueState[count];
        for (int i = 0; i < count; i++) {
            queues[i] = new QueueState();
        }
    }

    @Override
    public AccessRules rules() {
        return new AccessRules(1, 8, false, 1, 4, Endianness.LITTLE);
    }

    @Override
    public AddressSpace memory() {
        return memory;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= CONFIG) {
            if (device == null || offset - CONFIG + size > device.configSize()) {
                return 0;
            }
            return device.readConfig((int) (offset - CONFIG), size);
        }
        if (size != 4) {
            return 0;
        }
        return switch ((int) offset) {
            case 0x000 -> MAGIC;
            case 0x004 -> VERSION;
            case 0x008 -> device == null ? 0 : device.deviceId();
            case 0x00c -> VENDOR;
            case 0x010 -> device == null || deviceFeaturesSel > 1 ? 0
                    : (device.features() >>> (32 * deviceFeaturesSel)) & 0xffff_ffffL;
            case 0x034 -> selected() == null ? 0 : device.queueMaxSize();
            case 0x044 -> selected() != null && selected().ready ? 1 : 0;
            case 0x060 -> interruptStatus;
            case 0x070 -> status;
            case 0x0fc -> configGeneration;
            default -> 0;
        };
    }

    @Override
    public synchronized void write(long offset, long value, int size) {
        if (offset >= CONFIG) {
            if (device != null && offset - CONFIG + size <= device.configSize()) {
                device.writeConfig((int) (offset - CONFIG), size, value);
            }
            return;
        }
        if (size != 4 || device == null) {
            return;
        }
        int v = (int) value;
        QueueState q = selected();
        switch ((int) offset) {
            case 0x014 -> deviceFeaturesSel = v;
            case 0x020 -> {
                if (driverFeaturesSel <= 1) {
                    int shift = 32 * driverFeaturesSel;
                    driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | ((v & 0xffff_ffffL) << shift);
                }
            }
            case 0x024 -> driverFeaturesSel = v;
            case 0x030 -> queueSel = v;
            case 0x038 -> {
                if (q != null) {
                    q.num = v;
                }
            }
            case 0x044 -> setQueueReady(q, v != 0);
            case 0x050 -> notifyQueue(v);
            case 0x064 -> {
                interruptStatus &= ~v;
                irq.set(interruptStatus != 0);
            }
            case 0x070 -> setStatus(v & 0xff);
            case 0x080 -> setLow(q, 0, v);
            case 0x084 -> setHigh(q, 0, v);
            case 0x090 -> setLow(q, 1, v);
            case 0x094 -> setHigh(q, 1, v);
            case 0x0a0 -> setLow(q, 2, v);
            case 0x0a4 -> setHigh(q, 2, v);
            default -> {
                // Read-only or unknown register: ignored, as QEMU does.
            }
        }
    }

    private QueueState selected() {
        return queueSel >= 0 && queueSel < queues.length ? queues[queueSel] : null;
    }

    private static void setLow(QueueState q, int which, int v) {
        if (q != null && !q.ready) {
            set(q, which, (get(q, which) & ~0xffff_ffffL) | (v & 0xffff_ffffL));
        }
    }

    private static void setHigh(QueueState q, int which, int v) {
        if (q != null && !q.ready) {
            set(q, which, (get(q, which) & 0xffff_ffffL) | ((long) v << 32));
        }
    }

    private static long get(QueueState q, int which) {
        return which == 0 ? q.desc : which == 1 ? q.driver : q.device;
    }

    private static void set(QueueState q, int which, long v) {
        switch (which) {
            case 0 -> q.desc = v;
            case 1 -> q.driver = v;
            default -> q.device = v;
        }
    }

    private void setQueueReady(QueueState q, boolean ready) {
        if (q == null) {
            return;
        }
        if (ready && !q.ready) {
            int num = q.num;
            if (num <= 0 || num > device.queueMaxSize() || Integer.bitCount(num) != 1) {
                needsReset("queue " + queueSel + " set up with " + num + " entries");
                return;
            }
            q.queue = new Virtqueue(memory, num, q.desc, q.driver, q.device,
                    (driverFeatures & VirtioDevice.F_INDIRECT_DESC) != 0);
        } else if (!ready) {
            q.queue = null;
        }
        q.ready = ready;
    }

    private void setStatus(int v) {
        if (v == 0) {
            reset();
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
            List<Virtqueue> qs = new ArrayList<>();
            for (QueueState q : queues) {
                qs.add(q.queue);
            }
            device.start(driverFeatures, qs, this);
        }
    }

    private void reset() {
        if (device != null) {
            device.reset();
        }
        started = false;
        status = 0;
        driverFeatures = 0;
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        queueSel = 0;
        interruptStatus = 0;
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new QueueState();
        }
        irq.lower();
    }

    private void notifyQueue(int queue) {
        if (!started || queue < 0 || queue >= queues.length || queues[queue].queue == null) {
            return;
        }
        device.queueNotified(queue);
    }

    @Override
    public synchronized void usedBuffers(int queue) {
        interruptStatus |= INTERRUPT_USED;
        irq.raise();
    }

    @Override
    public synchronized void configChanged() {
        configGeneration++;
        interruptStatus |= INTERRUPT_CONFIG;
        irq.raise();
    }

    @Override
    public synchronized void needsReset(String why) {
        warnings.accept("virtio device " + (device == null ? "" : device.deviceId()) + ": " + why
                + "; the device needs a reset");
        status |= STATUS_NEEDS_RESET;
        if ((status & STATUS_DRIVER_OK) != 0) {
            configChanged();
        }
    }
}
