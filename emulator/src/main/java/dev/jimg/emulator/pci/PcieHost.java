package dev.jimg.emulator.pci;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.AliasRegion;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MemoryRegion;
import dev.jimg.emulator.memory.MmioOps;
import dev.jimg.emulator.memory.MmioRegion;

/**
 * A generic PCI Express host bridge as QEMU's {@code gpex} and Linux's
 * {@code pci-host-ecam-generic} know it: configuration space through ECAM, the bus's memory and
 * I/O spaces through windows in the CPU's address space, INTx swizzled onto four interrupt lines,
 * and the host bridge function itself (Red Hat 1b36:0008, class 06:00:00) in slot 0.
 *
 * <p>ECAM (PCIe Base Specification 4.0, section 7.2.2 "PCI Express Enhanced Configuration Access
 * Mechanism") gives every function 4 KiB of configuration space at
 * <pre>
 *   offset = bus << 20 | device << 15 | function << 12 | register
 * </pre>
 * The machine decides where the ECAM region and the windows go; only bus 0 has functions.
 */
public final class PcieHost {
    /** Configuration space of 256 buses. */
    public static final long ECAM_SIZE = 256L << 20;
    /** QEMU's host bridge: Red Hat, Inc. "QEMU PCIe Host bridge". */
    public static final PciIdentity BRIDGE_IDENTITY = new PciIdentity(0x1b36, 0x0008, 0, 0x060000, 0x1af4, 0x1100, 0);

    private final PciBus bus;
    private final MmioRegion ecam;

    /**
     * @param dma   the machine's physical address space, what bus masters reach
     * @param lines the four interrupt-controller inputs INTA..INTD swizzle onto
     */
    public PcieHost(AddressSpace dma, IrqLine... lines) {
        this.bus = new PciBus(dma, new IntxSwizzle(lines));
        this.ecam = new MmioRegion("pcie-mmcfg-mmio", ECAM_SIZE, new Ecam());
        bus.plug(0, new HostBridgeFunction());
    }

    public PciBus bus() {
        return bus;
    }

    /** The ECAM registers, {@link #ECAM_SIZE} bytes, for the machine to map. */
    public MmioRegion ecamRegion() {
        return ecam;
    }

    /**
     * A window that shows PCI memory addresses {@code [pciAddress, pciAddress + size)} to the CPU.
     * QEMU's {@code virt} maps them one to one (CPU address = PCI address).
     */
    public MemoryRegion memoryWindow(String name, long pciAddress, long size) {
        return new AliasRegion(name, bus.memorySpace(), pciAddress, size);
    }

    /** A window showing PCI I/O addresses from 0, {@code size} bytes of them. */
    public MemoryRegion ioWindow(String name, long size) {
        return new AliasRegion(name, bus.ioSpace(), 0, size);
    }

    /** ECAM decoding; only bus 0 exists. */
    private final class Ecam implements MmioOps {
        @Override
        public AccessRules rules() {
            return AccessRules.sizes(1, 4);
        }

        @Override
        public long read(long offset, int size) {
            int busNumber = (int) (offset >>> 20);
            if (busNumber != 0) {
                return (1L << (8 * size)) - 1;
            }
            return bus.configRead(slotOf(offset), functionOf(offset), registerOf(offset), size);
        }

        @Override
        public void write(long offset, long value, int size) {
            if (offset >>> 20 == 0) {
                bus.configWrite(slotOf(offset), functionOf(offset), registerOf(offset), size, value);
            }
        }

        private static int slotOf(long offset) {
            return (int) (offset >>> 15) & 0x1f;
        }

        private static int functionOf(long offset) {
            return (int) (offset >>> 12) & 7;
        }

        private static int registerOf(long offset) {
            return (int) offset & 0xfff;
        }
    }

    /** The host bridge's own function: identification only, no BARs, no interrupt. */
    private static final class HostBridgeFunction extends PciDevice {
        HostBridgeFunction() {
            super(BRIDGE_IDENTITY);
        }

        @Override
        protected void resetDevice() {
            // Nothing beyond configuration space.
        }
    }
}
