package dev.jimg.emulator.virtio;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.MmioOps;

/**
 * The legacy virtio PCI interface of a transitional device: an I/O BAR with the pre-1.0 header
 * (virtio 1.1, section 4.1.4.8 "Legacy Interfaces: A Note on PCI Device Layout"), which drivers
 * that predate virtio 1.0 use — among them U-Boot's {@code virtio_pci_legacy} for device IDs
 * 0x1000..0x103f:
 * <pre>
 *   0x00 le32 device features (bits 0..31)   0x04 le32 driver features
 *   0x08 le32 queue address: page frame number of the whole ring (4096-byte pages)
 *   0x0c le16 queue size (read-only: the device's maximum)   0x0e le16 queue select
 *   0x10 le16 queue notify    0x12 u8 device status    0x13 u8 ISR (read clears it)
 *   0x14 device configuration (no MSI-X, so nothing in between)
 * </pre>
 * A legacy ring is one contiguous block (virtio 1.1, section 2.6.2): descriptors, then the
 * available ring, then the used ring at the next 4096-byte boundary. Legacy drivers never set
 * FEATURES_OK; DRIVER_OK starts the device with the low 32 feature bits they accepted. The state is
 * the same {@link VirtioControl} the modern interface uses, so a driver uses one or the other.
 */
final class VirtioPciLegacy implements MmioOps {
    /** The header before the device configuration, without MSI-X vectors. */
    static final int HEADER = 0x14;
    /** Legacy rings are laid out in 4096-byte pages (VIRTIO_PCI_VRING_ALIGN). */
    static final int PAGE_SHIFT = 12;
    private static final long ALIGN = 1L << PAGE_SHIFT;

    private final VirtioPci function;
    private final VirtioControl control;

    VirtioPciLegacy(VirtioPci function, VirtioControl control) {
        this.function = function;
        this.control = control;
    }

    /** The BAR's size: header plus device configuration, rounded up to a power of two. */
    static long size(VirtioDevice device) {
        return Long.highestOneBit(HEADER + device.configSize() - 1) << 1;
    }

    @Override
    public AccessRules rules() {
        return AccessRules.sizes(1, 4);
    }

    @Override
    public long read(long offset, int size) {
        synchronized (function) {
            int at = (int) offset;
            if (at >= HEADER) {
                return control.readDeviceConfig(at - HEADER, size);
            }
            long v = switch (at) {
                case 0x00 -> {
                    control.selectDeviceFeatures(0);
                    yield control.deviceFeatures();
                }
                case 0x04 -> {
                    control.selectDriverFeatures(0);
                    yield control.driverFeatures();
                }
                case 0x08 -> control.queueAddress(0) >>> PAGE_SHIFT;
                case 0x0c -> control.queueMaxSize();
                case 0x0e -> control.queueSelect();
                case 0x12 -> control.status();
                case 0x13 -> function.readIsr();
                default -> 0;
            };
            return size == 8 ? v : v & ((1L << (8 * size)) - 1);
        }
    }

    @Override
    public void write(long offset, long value, int size) {
        synchronized (function) {
            int at = (int) offset;
            int v = (int) value;
            if (at >= HEADER) {
                control.writeDeviceConfig(at - HEADER, size, value);
                return;
            }
            switch (at) {
                case 0x04 -> {
                    control.selectDriverFeatures(0);
                    control.setDriverFeatures(v);
                }
                case 0x08 -> setQueuePage(v & 0xffff_ffffL);
                case 0x0e -> control.selectQueue(v & 0xffff);
                case 0x10 -> function.notifyQueue(v & 0xffff);
                case 0x12 -> control.setStatus(v & 0xff);
                default -> {
                    // Device features, queue size and ISR are read-only.
                }
            }
        }
    }

    /** Places the selected queue's ring at page {@code pfn}, or takes it down for 0. */
    private void setQueuePage(long pfn) {
        if (control.selected() == null) {
            return;
        }
        if (pfn == 0) {
            control.setQueueReady(false);
            return;
        }
        int size = control.queueMaxSize();
        long desc = pfn << PAGE_SHIFT;
        long avail = desc + 16L * size;
        long used = (avail + 6 + 2L * size + ALIGN - 1) & -ALIGN;
        control.setQueueReady(false);
        control.setQueueSize(size);
        control.setQueueAddress(0, -1L, desc);
        control.setQueueAddress(1, -1L, avail);
        control.setQueueAddress(2, -1L, used);
        control.setQueueReady(true);
    }
}
