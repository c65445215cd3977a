package dev.jimg.emulator.pci;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.ContainerRegion;
import dev.jimg.emulator.memory.IrqLine;
import java.util.Objects;

/**
 * A PCI bus with its two address spaces: the functions plugged into its slots, the PCI memory
 * and I/O spaces their BARs are mapped into, the physical address space their DMA reaches, and
 * how their INTx pins reach the interrupt controller.
 *
 * <p>Only function 0 of each slot is populated (no multi-function devices) and there are no
 * bridges, so the bus is bus 0 of its segment. The memory and I/O spaces are containers that the
 * host bridge shows to the CPU through its windows; a BAR programmed outside a window is decoded
 * but unreachable, as on real hardware.
 */
public final class PciBus {
    /** Device numbers on a bus: 0..31 (PCI 3.0, section 3.2.2.3.1). */
    public static final int SLOTS = 32;
    /**
     * The PCI memory space: BAR addresses are 64-bit, but nothing above the CPU's 56 physical
     * address bits can be reached through a window, so the space ends there.
     */
    public static final long MEMORY_SPACE_SIZE = 1L << 56;
    /** The PCI I/O space: 32-bit addresses. */
    public static final long IO_SPACE_SIZE = 1L << 32;

    /** Which interrupt-controller line a function's INTx pin reaches. */
    @FunctionalInterface
    public interface IntxRouting {
        /** The line for {@code pin} (1 = INTA .. 4 = INTD) of the function in {@code slot}. */
        IrqLine line(int slot, int pin);
    }

    private final ContainerRegion memory = new ContainerRegion("pci-memory", MEMORY_SPACE_SIZE);
    private final ContainerRegion io = new ContainerRegion("pci-io", IO_SPACE_SIZE);
    private final AddressSpace dma;
    private final IntxRouting intx;
    private final PciDevice[] slots = new PciDevice[SLOTS];

    /**
     * @param dma  what bus-master DMA reaches: the machine's physical address space
     * @param intx how INTx pins are wired to the interrupt controller
     */
    public PciBus(AddressSpace dma, IntxRouting intx) {
        this.dma = Objects.requireNonNull(dma, "dma");
        this.intx = Objects.requireNonNull(intx, "intx");
    }

    /** The PCI memory space, for the host bridge's memory windows. */
    public ContainerRegion memorySpace() {
        return memory;
    }

    /** The PCI I/O space, for the host bridge's I/O window. */
    public ContainerRegion ioSpace() {
        return io;
    }

    AddressSpace dmaSpace() {
        return dma;
    }

    /** Plugs {@code device} in as function 0 of {@code slot}. */
    public void plug(int slot, PciDevice device) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("PCI slot " + slot + " is out of range 0.." + (SLOTS - 1));
        }
        if (slots[slot] != null) {
            throw new IllegalArgumentException("PCI slot " + slot + " already holds " + slots[slot].name());
        }
        int pin = device.identity().interruptPin();
        device.plugged(this, slot, pin == 0 ? IrqLine.NONE : intx.line(slot, pin));
        slots[slot] = device;
    }

    /** The lowest slot at or above {@code from} that is free, or -1. */
    public int freeSlot(int from) {
        for (int s = Math.max(0, from); s < SLOTS; s++) {
            if (slots[s] == null) {
                return s;
            }
        }
        return -1;
    }

    /** The function in {@code slot}, or {@code null}. */
    public PciDevice device(int slot) {
        return slot >= 0 && slot < SLOTS ? slots[slot] : null;
    }

    /**
     * A configuration read of function {@code function} of {@code slot}. Where no function answers,
     * the read returns all ones (a master abort), which is how software finds empty slots.
     */
    public long configRead(int slot, int function, int offset, int size) {
        PciDevice d = function == 0 ? device(slot) : null;
        if (d == null) {
            return size == 8 ? -1L : (1L << (8 * size)) - 1;
        }
        return d.configRead(offset, size);
    }

    /** A configuration write; ignored where no function answers. */
    public void configWrite(int slot, int function, int offset, int size, long value) {
        PciDevice d = function == 0 ? device(slot) : null;
        if (d != null) {
            d.configWrite(offset, size, value);
        }
    }

    /** Resets every function (a PCI bus reset). */
    public void reset() {
        for (PciDevice d : slots) {
            if (d != null) {
                d.reset();
            }
        }
    }

    /** Maps or unmaps each BAR of {@code device} to match its registers and command bits. */
    synchronized void updateMappings(PciDevice device) {
        for (PciBar bar : device.bars()) {
            ContainerRegion space = bar.kind() == PciBar.Kind.IO ? io : memory;
            long want = device.decodedAddress(bar);
            if (want != PciBar.UNMAPPED && (want < 0 || want > space.size() - bar.size())) {
                want = PciBar.UNMAPPED;
            }
            long have = bar.address();
            if (want == have) {
                continue;
            }
            if (have == PciBar.UNMAPPED) {
                space.addSubregion(want, bar.region());
            } else if (want == PciBar.UNMAPPED) {
                space.removeSubregion(bar.region());
            } else {
                bar.region().setAddress(want);
            }
            bar.mappedAt(want);
        }
    }
}
