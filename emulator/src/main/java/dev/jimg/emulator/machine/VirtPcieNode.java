package dev.jimg.emulator.machine;

import static dev.jimg.emulator.machine.VirtMemoryMap.*;

import dev.jimg.emulator.pci.IntxSwizzle;

/**
 * The device tree node of the {@code virt} board's PCIe host bridge, property for property as
 * QEMU 7.2 writes it ({@code create_fdt_pcie} in {@code hw/riscv/virt.c}), following the PCI bus
 * binding (IEEE 1275 PCI Bus Binding 2.1 and Linux's {@code Documentation/devicetree/bindings/pci/
 * host-generic-pci.yaml}):
 * <pre>
 *   #address-cells = 3: phys.hi (space code in bits 25:24: 1 I/O, 2 32-bit memory, 3 64-bit memory;
 *                       device number in bits 15:11, function 10:8), phys.mid, phys.lo
 *   ranges: (PCI address, CPU address, size) for the I/O window, the 32-bit and the 64-bit window
 *   interrupt-map: (phys.hi of device, 0, 0, pin) -> (PLIC phandle, source) for slots 0..3 and pins
 *                  1..4; interrupt-map-mask 0x1800 0 0 7 keeps slot mod 4 and the pin, so the
 *                  sixteen entries cover every slot
 * </pre>
 * There is no {@code msi-parent}: the board has no MSI controller, so drivers use INTx.
 */
final class VirtPcieNode {
    private static final int SPACE_IO = 0x0100_0000;
    private static final int SPACE_MEMORY_32 = 0x0200_0000;
    private static final int SPACE_MEMORY_64 = 0x0300_0000;
    private static final int DEVICE_SHIFT = 11;
    /** Slot bits that matter for the interrupt map (slot mod 4) and the pin. */
    private static final int MAP_MASK_DEVICE = 0x1800;
    private static final int MAP_MASK_PIN = 7;

    private VirtPcieNode() {
    }

    static void add(DeviceTree.Node soc, int plicPhandle) {
        DeviceTree.Node pci = soc.child("pci@" + Long.toHexString(PCIE_ECAM));
        pci.cells("interrupt-map-mask", MAP_MASK_DEVICE, 0, 0, MAP_MASK_PIN);
        int[] map = new int[IntxSwizzle.LINES * IntxSwizzle.LINES * 6];
        int i = 0;
        for (int slot = 0; slot < IntxSwizzle.LINES; slot++) {
            for (int pin = 1; pin <= IntxSwizzle.LINES; pin++) {
                map[i++] = slot << DEVICE_SHIFT;
                map[i++] = 0;
                map[i++] = 0;
                map[i++] = pin;
                map[i++] = plicPhandle;
                map[i++] = PCIE_IRQ + IntxSwizzle.lineOf(slot, pin);
            }
        }
        pci.cells("interrupt-map", map);
        pci.cells("ranges",
                SPACE_IO, 0, 0, hi(PCIE_PIO), lo(PCIE_PIO), hi(PCIE_PIO_SIZE), lo(PCIE_PIO_SIZE),
                SPACE_MEMORY_32, hi(PCIE_MMIO), lo(PCIE_MMIO), hi(PCIE_MMIO), lo(PCIE_MMIO),
                hi(PCIE_MMIO_SIZE), lo(PCIE_MMIO_SIZE),
                SPACE_MEMORY_64, hi(PCIE_MMIO_HIGH), lo(PCIE_MMIO_HIGH), hi(PCIE_MMIO_HIGH), lo(PCIE_MMIO_HIGH),
                hi(PCIE_MMIO_HIGH_SIZE), lo(PCIE_MMIO_HIGH_SIZE));
        pci.longs("reg", PCIE_ECAM, PCIE_ECAM_SIZE);
        pci.flag("dma-coherent");
        pci.cells("bus-range", 0, (int) (PCIE_ECAM_SIZE >>> 20) - 1);
        pci.cells("linux,pci-domain", 0);
        pci.strings("device_type", "pci");
        pci.strings("compatible", "pci-host-ecam-generic");
        pci.cells("#size-cells", 2);
        pci.cells("#interrupt-cells", 1);
        pci.cells("#address-cells", 3);
    }

    private static int hi(long v) {
        return (int) (v >>> 32);
    }

    private static int lo(long v) {
        return (int) v;
    }
}
