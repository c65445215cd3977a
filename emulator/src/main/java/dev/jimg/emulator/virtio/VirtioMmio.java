package dev.jimg.emulator.virtio;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.Endianness;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MmioOps;
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
public final class VirtioMmio implements MmioOps {
    public static final long SIZE = 0x1000;
    /** "virt" in little-endian ASCII. */
    private static final int MAGIC = 0x74726976;
    private static final int VERSION = 2;
    /** QEMU's vendor ID, "QEMU" in little-endian ASCII. */
    private static final int VENDOR = 0x554d4551;
    private static final long CONFIG = 0x100;
    /** The halves of a 64-bit queue address the Queue*Low/High registers write. */
    private static final long LOW = 0xffff_ffffL;
    private static final long HIGH = 0xffff_ffff_0000_0000L;

    private final VirtioDevice device;
    private final VirtioControl control;

    /**
     * @param device   the device in this slot, or {@code null} for an empty slot
     * @param warnings where protocol errors of the driver are reported
     */
    public VirtioMmio(VirtioDevice device, AddressSpace memory, IrqLine irq, Consumer<String> warnings) {
        this.device = device;
        this.control = new VirtioControl(device, this, () -> memory, irq, warnings);
    }

    @Override
    public AccessRules rules() {
        return new AccessRules(1, 8, false, 1, 4, Endianness.LITTLE);
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= CONFIG) {
            return control.readDeviceConfig((int) (offset - CONFIG), size);
        }
        if (size != 4) {
            return 0;
        }
        return switch ((int) offset) {
            case 0x000 -> MAGIC;
            case 0x004 -> VERSION;
            case 0x008 -> device == null ? 0 : device.deviceId();
            case 0x00c -> VENDOR;
            case 0x010 -> control.deviceFeatures();
            case 0x034 -> control.queueMaxSize();
            case 0x044 -> control.queueReady() ? 1 : 0;
            case 0x060 -> control.interruptStatus();
            case 0x070 -> control.status();
            case 0x0fc -> control.configGeneration();
            default -> 0;
        };
    }

    @Override
    public synchronized void write(long offset, long value, int size) {
        if (offset >= CONFIG) {
            control.writeDeviceConfig((int) (offset - CONFIG), size, value);
            return;
        }
        if (size != 4 || device == null) {
            return;
        }
        int v = (int) value;
        switch ((int) offset) {
            case 0x014 -> control.selectDeviceFeatures(v);
            case 0x020 -> control.setDriverFeatures(v);
            case 0x024 -> control.selectDriverFeatures(v);
            case 0x030 -> control.selectQueue(v);
            case 0x038 -> control.setQueueSize(v);
            case 0x044 -> control.setQueueReady(v != 0);
            case 0x050 -> control.notifyQueue(v);
            case 0x064 -> control.acknowledge(v);
            case 0x070 -> control.setStatus(v);
            case 0x080 -> control.setQueueAddress(0, LOW, v);
            case 0x084 -> control.setQueueAddress(0, HIGH, (long) v << 32);
            case 0x090 -> control.setQueueAddress(1, LOW, v);
            case 0x094 -> control.setQueueAddress(1, HIGH, (long) v << 32);
            case 0x0a0 -> control.setQueueAddress(2, LOW, v);
            case 0x0a4 -> control.setQueueAddress(2, HIGH, (long) v << 32);
            default -> {
                // Read-only or unknown register: ignored, as QEMU does.
            }
        }
    }
}
