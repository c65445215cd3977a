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
