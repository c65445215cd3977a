package dev.jimg.emulator.virtio;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.Endianness;
import dev.jimg.emulator.memory.MmioOps;
import dev.jimg.emulator.memory.MmioRegion;
import dev.jimg.emulator.pci.PciBar;
import dev.jimg.emulator.pci.PciDevice;
import dev.jimg.emulator.pci.PciIdentity;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The virtio PCI transport (virtio 1.1, section 4.1, "Virtio Over PCI Bus"), as QEMU's
 * {@code virtio-blk-pci}: vendor 0x1af4, class 01:00:00, INTA. The device half is the same
 * {@link VirtioDevice} that sits behind virtio-mmio.
 * <ul>
 *   <li><b>Transitional</b> (QEMU's default on the {@code virt} root bus): device 0x1001 (block),
 *       revision 0, subsystem 1af4:0002 (the device type), and both interfaces: the legacy header in
 *       I/O BAR 0 ({@link VirtioPciLegacy}) and the modern structures below.</li>
 *   <li><b>Modern only</b> ({@code disable-legacy=on}): device 0x1040 + type (0x1042), revision 1,
 *       subsystem 1af4:1100, no BAR 0.</li>
 * </ul>
 * The modern registers live in one 64-bit prefetchable BAR (BAR 4, 16 KiB, as QEMU lays it out),
 * found through vendor-specific capabilities (section 4.1.4):
 * <pre>
 *   capability: u8 cap_vndr 0x09, u8 cap_next, u8 cap_len, u8 cfg_type, u8 bar, u8 id, u8 pad[2],
 *               le32 offset, le32 length [, le32 notify_off_multiplier | u8 pci_cfg_data[4]]
 *   cfg_type 1 common configuration   BAR 4 + 0x0000
 *            3 ISR status             BAR 4 + 0x1000   (read clears it and lowers INTx)
 *            4 device configuration   BAR 4 + 0x2000
 *            2 notifications          BAR 4 + 0x3000, queue q at 4 * q
 *            5 PCI configuration access: a window onto the BAR through configuration space
 * </pre>
 * The common configuration (section 4.1.4.3):
 * <pre>
 *   0x00 le32 device_feature_select   0x04 le32 device_feature (ro)
 *   0x08 le32 driver_feature_select   0x0c le32 driver_feature
 *   0x10 le16 msix_config             0x12 le16 num_queues (ro)
 *   0x14 u8 device_status             0x15 u8 config_generation (ro)
 *   0x16 le16 queue_select            0x18 le16 queue_size
 *   0x1a le16 queue_msix_vector       0x1c le16 queue_enable
 *   0x1e le16 queue_notify_off (ro)   0x20 le64 queue_desc  0x28 le64 queue_driver  0x30 le64 queue_device
 * </pre>
 * There is no MSI-X (the board has no MSI controller): the vector registers read NO_VECTOR and
 * interrupts are INTx, raised while the ISR is non-zero. Notifications count only while the driver
 * lets the function master the bus.
 */
public final class VirtioPci extends PciDevice {
    /** The Red Hat/Qumranet vendor ID of virtio functions. */
    public static final int VENDOR = 0x1af4;
    /** Modern device IDs are this plus the virtio device type. */
    public static final int MODERN_DEVICE_BASE = 0x1040;
    /** Mass storage, SCSI: the class QEMU gives virtio-blk-pci. */
    public static final int CLASS_STORAGE_SCSI = 0x010000;
    /** Transitional device IDs by virtio device type (virtio 1.1, section 4.1.2.1): block is 0x1001. */
    private static final Map<Integer, Integer> TRANSITIONAL_IDS = Map.of(1, 0x1000, 2, 0x1001,
            5, 0x1002, 3, 0x1003, 8, 0x1004, 4, 0x1005, 9, 0x1009);
    /** QEMU's subsystem ID for modern-only functions. */
    private static final int SUBSYSTEM_QEMU = 0x1100;
    static final int LEGACY_BAR = 0;
    static final int BAR = 4;
    static final long BAR_SIZE = 0x4000;
    static final int COMMON = 0x0000;
    static final int ISR = 0x1000;
    static final int DEVICE = 0x2000;
    static final int NOTIFY = 0x3000;
    static final int REGION_SIZE = 0x1000;
    static final int NOTIFY_MULTIPLIER = 4;
    static final int CAP_VENDOR = 0x09;
    static final int TYPE_COMMON = 1;
    static final int TYPE_NOTIFY = 2;
    static final int TYPE_ISR = 3;
    static final int TYPE_DEVICE = 4;
    static final int TYPE_PCI_CFG = 5;
    private static final int CAP_LENGTH = 16;
    private static final int CAP_LENGTH_EXTENDED = 20;
    private static final int COMMON_SIZE = 0x38;
    /** msix_config and queue_msix_vector without MSI-X. */
    private static final int NO_VECTOR = 0xffff;

    private final VirtioControl control;
    private final Registers registers = new Registers();
    private final int pciCfgCapability;

    /**
     * @param device       the virtio device behind this function
     * @param transitional whether the function also offers the legacy interface (QEMU's default)
     * @param warnings     where protocol errors of the driver are reported
     */
    public VirtioPci(VirtioDevice device, boolean transitional, Consumer<String> warnings) {
        super(identity(device, transitional));
        this.control = new VirtioControl(device, this, this::dma, this::setIntx, warnings);
        if (transitional) {
            defineBar(LEGACY_BAR, PciBar.Kind.IO, false, new MmioRegion("virtio-pci-legacy",
                    VirtioPciLegacy.size(device), new VirtioPciLegacy(this, control)));
        }
        defineBar(BAR, PciBar.Kind.MEMORY_64, true, new MmioRegion("virtio-pci", BAR_SIZE, registers));
        addStructure(TYPE_COMMON, COMMON, COMMON_SIZE, CAP_LENGTH);
        addStructure(TYPE_ISR, ISR, 1, CAP_LENGTH);
        addStructure(TYPE_DEVICE, DEVICE, Math.max(1, device.configSize()), CAP_LENGTH);
        int notify = addStructure(TYPE_NOTIFY, NOTIFY, NOTIFY_MULTIPLIER * device.queueCount(), CAP_LENGTH_EXTENDED);
        config().setLong(notify + 16, NOTIFY_MULTIPLIER);
        pciCfgCapability = addStructure(TYPE_PCI_CFG, 0, 0, CAP_LENGTH_EXTENDED);
        config().setWritable(pciCfgCapability + 4, 1, 0xff);
        config().setWritable(pciCfgCapability + 8, 4, 0xffff_ffffL);
        config().setWritable(pciCfgCapability + 12, 4, 0xffff_ffffL);
        config().setWritable(pciCfgCapability + 16, 4, 0xffff_ffffL);
    }

    private static PciIdentity identity(VirtioDevice device, boolean transitional) {
        if (!transitional) {
            return new PciIdentity(VENDOR, MODERN_DEVICE_BASE + device.deviceId(), 1, CLASS_STORAGE_SCSI, VENDOR,
                    SUBSYSTEM_QEMU, 1);
        }
        Integer id = TRANSITIONAL_IDS.get(device.deviceId());
        if (id == null) {
            throw new IllegalArgumentException("virtio device type " + device.deviceId() + " has no transitional PCI ID");
        }
        return new PciIdentity(VENDOR, id, 0, CLASS_STORAGE_SCSI, VENDOR, device.deviceId(), 1);
    }

    /** A virtio capability pointing at {@code length} bytes at {@code offset} of the BAR. */
    private int addStructure(int type, int offset, int length, int capLength) {
        int cap = addCapability(CAP_VENDOR, capLength);
        config().setByte(cap + 2, capLength);
        config().setByte(cap + 3, type);
        config().setByte(cap + 4, type == TYPE_PCI_CFG ? 0 : BAR);
        config().setLong(cap + 8, offset);
        config().setLong(cap + 12, length);
        return cap;
    }

    /** A driver's notification through either interface; with the lock held. */
    void notifyQueue(int queue) {
        if (busMasterEnabled()) {
            control.notifyQueue(queue);
        }
    }

    @Override
    protected synchronized void resetDevice() {
        control.reset();
    }

    // ---------------------------------------------------------------- the PCI configuration access capability

    @Override
    protected long readConfig(int offset, int size) {
        int data = pciCfgCapability + 16;
        if (offset == data && size == 4) {
            int length = (int) config().getLong(pciCfgCapability + 12);
            long at = config().getLong(pciCfgCapability + 8);
            if (config().getByte(pciCfgCapability + 4) == BAR && windowAccessAllowed(at, length)) {
                config().setLong(data, registers.read(at, length));
            }
        }
        return super.readConfig(offset, size);
    }

    @Override
    protected void writeConfig(int offset, int size, long value) {
        super.writeConfig(offset, size, value);
        int data = pciCfgCapability + 16;
        if (offset == data && size == 4) {
            int length = (int) config().getLong(pciCfgCapability + 12);
            long at = config().getLong(pciCfgCapability + 8);
            if (config().getByte(pciCfgCapability + 4) == BAR && windowAccessAllowed(at, length)) {
                long mask = length == 4 ? 0xffff_ffffL : (1L << (8 * length)) - 1;
                registers.write(at, value & mask, length);
            }
        }
    }

    private static boolean windowAccessAllowed(long at, int length) {
        return (length == 1 || length == 2 || length == 4) && at % length == 0 && at + length <= BAR_SIZE;
    }

    // ---------------------------------------------------------------- BAR 4

    /** The modern registers; accesses of 1, 2 or 4 bytes (8-byte ones are split). */
    private final class Registers implements MmioOps {
        @Override
        public AccessRules rules() {
            return new AccessRules(1, 8, false, 1, 4, Endianness.LITTLE);
        }

        @Override
        public long read(long offset, int size) {
            synchronized (VirtioPci.this) {
                int region = (int) (offset & ~(REGION_SIZE - 1));
                int at = (int) (offset & (REGION_SIZE - 1));
                return switch (region) {
                    case COMMON -> readCommon(at, size);
                    case ISR -> at == 0 ? readIsr() : 0;
                    case DEVICE -> control.readDeviceConfig(at, size);
                    default -> 0;
                };
            }
        }

        @Override
        public void write(long offset, long value, int size) {
            synchronized (VirtioPci.this) {
                int region = (int) (offset & ~(REGION_SIZE - 1));
                int at = (int) (offset & (REGION_SIZE - 1));
                switch (region) {
                    case COMMON -> writeCommon(at, size, value);
                    case DEVICE -> control.writeDeviceConfig(at, size, value);
                    case NOTIFY -> {
                        if (at % NOTIFY_MULTIPLIER == 0) {
                            notifyQueue(at / NOTIFY_MULTIPLIER);
                        }
                    }
                    default -> {
                        // The ISR is read-only; the rest of the BAR is unused.
                    }
                }
            }
        }
    }

    /** Reading the ISR returns it, clears it and so lowers INTx; with the lock held. */
    int readIsr() {
        int isr = control.interruptStatus();
        control.acknowledge(isr);
        return isr;
    }

    private long readCommon(int at, int size) {
        long v = switch (at) {
            case 0x00 -> control.deviceFeaturesSelect();
            case 0x04 -> control.deviceFeatures();
            case 0x08 -> control.driverFeaturesSelect();
            case 0x0c -> control.driverFeatures();
            case 0x10 -> NO_VECTOR;
            case 0x12 -> control.queueCount();
            case 0x14 -> control.status();
            case 0x15 -> control.configGeneration();
            case 0x16 -> control.queueSelect();
            case 0x18 -> control.selected() == null ? 0 : control.selected().size;
            case 0x1a -> NO_VECTOR;
            case 0x1c -> control.queueReady() ? 1 : 0;
            case 0x1e -> control.selected() == null ? 0 : control.queueSelect();
            case 0x20, 0x28, 0x30 -> control.queueAddress((at - 0x20) / 8);
            case 0x24, 0x2c, 0x34 -> control.queueAddress((at - 0x24) / 8) >>> 32;
            default -> 0;
        };
        return size >= 8 ? v : v & ((1L << (8 * size)) - 1);
    }

    private void writeCommon(int at, int size, long value) {
        int v = (int) value;
        switch (at) {
            case 0x00 -> control.selectDeviceFeatures(v);
            case 0x08 -> control.selectDriverFeatures(v);
            case 0x0c -> control.setDriverFeatures(v);
            case 0x14 -> control.setStatus(v & 0xff);
            case 0x16 -> control.selectQueue(v & 0xffff);
            case 0x18 -> control.setQueueSize(v & 0xffff);
            case 0x1c -> {
                if ((v & 1) != 0) {
                    control.setQueueReady(true);
                }
            }
            case 0x20, 0x28, 0x30 -> control.setQueueAddress((at - 0x20) / 8, 0xffff_ffffL, value);
            case 0x24, 0x2c, 0x34 -> control.setQueueAddress((at - 0x24) / 8, 0xffff_ffff_0000_0000L, value << 32);
            default -> {
                // Read-only fields and the MSI-X vectors (there is no MSI-X) ignore writes.
            }
        }
    }
}
