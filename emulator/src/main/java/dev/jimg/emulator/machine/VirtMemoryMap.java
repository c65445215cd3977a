package dev.jimg.emulator.machine;

/**
 * Where things are on the {@code virt} board, the addresses and interrupt numbers of QEMU 7.2's
 * {@code hw/riscv/virt.c} so that firmware and kernels built for it run unchanged.
 */
public final class VirtMemoryMap {
    public static final long MROM = 0x1000;
    public static final long MROM_SIZE = 0xf000;
    public static final long TEST = 0x10_0000;
    public static final long RTC = 0x10_1000;
    public static final long CLINT = 0x200_0000;
    public static final long PLIC = 0xc00_0000;
    public static final long UART0 = 0x1000_0000;
    public static final long VIRTIO = 0x1000_1000;
    public static final long VIRTIO_STRIDE = 0x1000;
    public static final int VIRTIO_COUNT = 8;
    public static final long DRAM = 0x8000_0000L;

    /** PCIe host bridge (QEMU's {@code gpex}): ECAM for buses 0..255 and the bus's windows. */
    public static final long PCIE_ECAM = 0x3000_0000L;
    public static final long PCIE_ECAM_SIZE = 0x1000_0000L;
    public static final long PCIE_PIO = 0x0300_0000L;
    public static final long PCIE_PIO_SIZE = 0x1_0000L;
    public static final long PCIE_MMIO = 0x4000_0000L;
    public static final long PCIE_MMIO_SIZE = 0x4000_0000L;
    /** The 64-bit window; QEMU moves it above RAM only for RAM beyond it, which this machine cannot have. */
    public static final long PCIE_MMIO_HIGH = 0x4_0000_0000L;
    public static final long PCIE_MMIO_HIGH_SIZE = 0x4_0000_0000L;
    /** INTA..INTD of the PCIe host bridge use PLIC sources {@code PCIE_IRQ + 0..3}. */
    public static final int PCIE_IRQ = 0x20;

    public static final int UART0_IRQ = 10;
    public static final int RTC_IRQ = 11;
    /** virtio-mmio slot n uses PLIC source {@code VIRTIO_IRQ + n}. */
    public static final int VIRTIO_IRQ = 1;

    /** The device tree lies below min(end of RAM, 3 GiB), aligned down to 2 MiB, as QEMU places it. */
    public static final long FDT_LIMIT = 3L << 30;
    public static final long FDT_ALIGN = 2L << 20;
    /** The initrd goes this far past the kernel entry at most (and half of RAM on small machines). */
    public static final long INITRD_MAX_OFFSET = 128L << 20;

    private VirtMemoryMap() {
    }

    public static long virtio(int slot) {
        return VIRTIO + slot * VIRTIO_STRIDE;
    }
}
