package dev.jimg.emulator.pci;

import static dev.jimg.emulator.pci.PciConfigSpace.*;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.ContainerRegion;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.RamRegion;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A bus and RAM for scripted-driver tests of PCI devices: the virt board's PCIe host with its
 * windows, 16 MiB of RAM at 0x8000_0000, and INTx lines a test can watch. {@link #assignBars}
 * sizes and places BARs as an OS does.
 */
public final class PciTestMachine {
    public static final long ECAM = 0x3000_0000L;
    public static final long IO_WINDOW = 0x0300_0000L;
    public static final long MMIO = 0x4000_0000L;
    public static final long MMIO_HIGH = 0x4_0000_0000L;
    public static final long RAM = 0x8000_0000L;
    public static final int RAM_SIZE = 16 << 20;

    private final AddressSpace bus;
    private final PcieHost host;
    private final boolean[] lines = new boolean[IntxSwizzle.LINES];
    private long nextMmio = MMIO;
    private long nextMmioHigh = MMIO_HIGH;
    private long nextIo = 0x1000;

    public PciTestMachine() {
        ContainerRegion system = new ContainerRegion("system", 1L << 56);
        bus = new AddressSpace("memory", system);
        IrqLine[] irqs = new IrqLine[IntxSwizzle.LINES];
        for (int i = 0; i < irqs.length; i++) {
            int line = i;
            irqs[i] = level -> {
                synchronized (lines) {
                    lines[line] = level;
                    lines.notifyAll();
                }
            };
        }
        host = new PcieHost(bus, irqs);
        system.addSubregion(ECAM, host.ecamRegion());
        system.addSubregion(IO_WINDOW, host.ioWindow("io", 0x10000));
        system.addSubregion(MMIO, host.memoryWindow("mmio", MMIO, 0x4000_0000L));
        system.addSubregion(MMIO_HIGH, host.memoryWindow("mmio-high", MMIO_HIGH, 0x4_0000_0000L));
        system.addSubregion(RAM, RamRegion.ram("ram", RAM_SIZE));
    }

    public AddressSpace bus() {
        return bus;
    }

    public PcieHost host() {
        return host;
    }

    public void plug(int slot, PciDevice device) {
        host.bus().plug(slot, device);
    }

    public long config(int slot, int offset, int size) {
        return bus.read(ECAM + ((long) slot << 15) + offset, size);
    }

    public void setConfig(int slot, int offset, int size, long value) {
        bus.write(ECAM + ((long) slot << 15) + offset, size, value);
    }

    /**
     * Sizes every BAR of {@code slot} by writing all ones, gives each an address in the matching
     * window (64-bit BARs above 4 GiB), and enables I/O, memory and bus mastering; returns the
     * addresses by BAR index (0 where there is no BAR).
     */
    public long[] assignBars(int slot) {
        long[] addresses = new long[PciDevice.BAR_COUNT];
        for (int i = 0; i < PciDevice.BAR_COUNT; i++) {
            int reg = BAR0 + 4 * i;
            long original = config(slot, reg, 4);
            setConfig(slot, reg, 4, 0xffff_ffffL);
            long sized = config(slot, reg, 4);
            if (sized == 0) {
                continue;
            }
            boolean io = (original & 1) != 0;
            boolean is64 = !io && (original & 6) == 4;
            long size;
            if (is64) {
                setConfig(slot, reg + 4, 4, 0xffff_ffffL);
                long high = config(slot, reg + 4, 4);
                size = -((high << 32) | (sized & ~0xfL));
            } else {
                size = -(sized & (io ? ~3L : ~0xfL)) & 0xffff_ffffL;
            }
            long address;
            if (io) {
                address = align(nextIo, size);
                nextIo = address + size;
            } else if (is64) {
                address = align(nextMmioHigh, size);
                nextMmioHigh = address + size;
            } else {
                address = align(nextMmio, size);
                nextMmio = address + size;
            }
            setConfig(slot, reg, 4, address & 0xffff_ffffL);
            if (is64) {
                setConfig(slot, reg + 4, 4, address >>> 32);
            }
            addresses[i] = io ? IO_WINDOW + address : address;
            if (is64) {
                i++;
            }
        }
        setConfig(slot, COMMAND, 2, COMMAND_IO | COMMAND_MEMORY | COMMAND_BUS_MASTER);
        return addresses;
    }

    /** The level of INTx line {@code line} (0..3) at the interrupt controller. */
    public boolean line(int line) {
        synchronized (lines) {
            return lines[line];
        }
    }

    /** The line INTA of {@code slot} reaches. */
    public boolean intx(int slot) {
        return line(IntxSwizzle.lineOf(slot, 1));
    }

    /** Waits until {@code condition} holds, failing after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    private static long align(long v, long alignment) {
        return (v + alignment - 1) & -alignment;
    }
}
