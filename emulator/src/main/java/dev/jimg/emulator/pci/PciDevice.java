package dev.jimg.emulator.pci;

import static dev.jimg.emulator.pci.PciConfigSpace.*;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MemoryRegion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A PCI function on the emulated bus: the contract every PCI device model implements by
 * extending this class. The class does everything the PCI specification defines for any
 * function, so that a device only describes itself and implements its own registers.
 *
 * <h2>What a device does</h2>
 * <ol>
 *   <li><b>Construction</b>: call {@code super(identity)}, then {@link #defineBar} for each BAR
 *       (a {@link MemoryRegion}, usually an {@code MmioRegion} over the device's registers),
 *       {@link #addCapability} for each capability (then fill its body through {@link #config()}),
 *       and set any further config bytes and write masks with {@link #config()}.</li>
 *   <li><b>Runtime</b>: register accesses arrive through the BAR regions, on the CPU thread. DMA
 *       goes through {@link #dma()}, the machine's physical address space, from any thread; check
 *       {@link #busMasterEnabled()} before starting it, as a function whose bus mastering is off
 *       must not touch memory. Interrupts go out through {@link #setIntx(boolean)} (level-triggered,
 *       pin {@link PciIdentity#interruptPin()}), from any thread.</li>
 *   <li><b>Reset</b>: override {@link #resetDevice()} to return the device's own state to power-on.
 *       {@link #reset()} (a PCI reset: the machine's, or one the device triggers itself) first
 *       restores configuration space, unmaps the BARs and lowers INTx, then calls it.</li>
 *   <li>Optionally override {@link #readConfig}/{@link #writeConfig} for config registers with side
 *       effects (call {@code super} for everything else).</li>
 * </ol>
 *
 * <h2>What this class does</h2>
 * <ul>
 *   <li>the type-0 header (PCI 3.0, section 6.1) with read-only IDs and class code, the writable
 *       command bits, write-1-to-clear status error bits, interrupt line/pin;</li>
 *   <li>BAR sizing and decoding: the address bits below a BAR's size are read-only zeroes, and the
 *       {@link PciBus} maps the BAR's region at the programmed address while the command register's
 *       memory or I/O enable is set;</li>
 *   <li>the capability list at 0x34, linked in the order capabilities are added;</li>
 *   <li>INTx: the status register's interrupt bit follows the device's level, and the command
 *       register's interrupt-disable bit masks it from the interrupt controller.</li>
 * </ul>
 * A function lives at one slot of one bus; it is {@linkplain PciBus#plug plugged} once and stays.
 */
public abstract class PciDevice {
    /** Type-0 headers have six BAR registers. */
    public static final int BAR_COUNT = 6;
    /** Capability structures are dword-aligned (PCI 3.0, section 6.7). */
    private static final int CAPABILITY_ALIGN = 4;

    private final PciIdentity identity;
    private final PciConfigSpace config = new PciConfigSpace();
    private final PciBar[] bars = new PciBar[BAR_COUNT];
    private final List<Integer> capabilities = new ArrayList<>();
    private int nextCapability = CAPABILITIES_START;
    private PciBus bus;
    private int slot = -1;
    private IrqLine intxOutput = IrqLine.NONE;
    private boolean intxLevel;
    private boolean intxDriven;

    protected PciDevice(PciIdentity identity) {
        this.identity = Objects.requireNonNull(identity, "identity");
        config.setWord(VENDOR_ID, identity.vendorId());
        config.setWord(DEVICE_ID, identity.deviceId());
        config.setByte(REVISION_ID, identity.revision());
        config.set(CLASS_PROG, 3, identity.classCode());
        config.setWord(SUBSYSTEM_VENDOR_ID, identity.subsystemVendorId());
        config.setWord(SUBSYSTEM_ID, identity.subsystemId());
        config.setByte(INTERRUPT_PIN, identity.interruptPin());
    }

    public final PciIdentity identity() {
        return identity;
    }

    /** A name for messages: the device's own and its place on the bus once plugged. */
    public String name() {
        return String.format("%04x:%04x", identity.vendorId(), identity.deviceId())
                + (slot < 0 ? "" : String.format(" at 00:%02x.0", slot));
    }

    /** The function's configuration space, for the device's own set-up and for tests. */
    public final PciConfigSpace config() {
        return config;
    }

    // ---------------------------------------------------------------- construction

    /**
     * Declares BAR {@code index} decoding {@code region} (whose size is the BAR's). A 64-bit BAR also
     * takes register {@code index + 1}.
     */
    protected final PciBar defineBar(int index, PciBar.Kind kind, boolean prefetchable, MemoryRegion region) {
        if (bus != null) {
            throw new IllegalStateException("BARs are defined before " + name() + " is plugged");
        }
        PciBar bar = new PciBar(index, kind, prefetchable, region);
        int last = kind == PciBar.Kind.MEMORY_64 ? index + 1 : index;
        for (int i = index; i <= last; i++) {
            if (bars[i] != null || (i > 0 && bars[i - 1] != null && bars[i - 1].kind() == PciBar.Kind.MEMORY_64)) {
                throw new IllegalArgumentException("BAR register " + i + " of " + name() + " is already in use");
            }
        }
        bars[index] = bar;
        int register = BAR0 + 4 * index;
        config.setLong(register, bar.typeBits());
        config.setWritable(register, 4, bar.addressMask());
        if (kind == PciBar.Kind.MEMORY_64) {
            config.setLong(register + 4, 0);
            config.setWritable(register + 4, 4, ~(bar.size() - 1) >>> 32);
        }
        return bar;
    }

    /**
     * Appends a capability of {@code length} bytes (ID and next pointer included) to the list and
     * returns its offset; the caller fills the bytes after the first two.
     */
    protected final int addCapability(int id, int length) {
        if (length < 2) {
            throw new IllegalArgumentException("a capability has at least its ID and next pointer, not " + length + " bytes");
        }
        int offset = nextCapability;
        if (offset + length > CONVENTIONAL_SIZE) {
            throw new IllegalStateException("capability 0x" + Integer.toHexString(id) + " of " + name()
                    + " does not fit in the 256-byte configuration space");
        }
        config.setByte(offset, id);
        config.setByte(offset + 1, 0);
        if (capabilities.isEmpty()) {
            config.setByte(CAPABILITIES_POINTER, offset);
            config.setWordBits(STATUS, STATUS_CAPABILITIES, true);
        } else {
            config.setByte(capabilities.getLast() + 1, offset);
        }
        capabilities.add(offset);
        nextCapability = (offset + length + CAPABILITY_ALIGN - 1) & -CAPABILITY_ALIGN;
        return offset;
    }

    // ---------------------------------------------------------------- runtime, for the device

    /** The machine's physical address space as this function's DMA sees it. */
    protected final AddressSpace dma() {
        if (bus == null) {
            throw new IllegalStateException(name() + " is not plugged into a bus");
        }
        return bus.dmaSpace();
    }

    /** Whether the driver lets the function master the bus (command bit 2): DMA is allowed. */
    protected final boolean busMasterEnabled() {
        return (config.getWord(COMMAND) & COMMAND_BUS_MASTER) != 0;
    }

    /**
     * Drives the function's INTx pin: sets the status register's interrupt bit and, unless the
     * driver disabled INTx in the command register, the line to the interrupt controller.
     */
    protected final synchronized void setIntx(boolean level) {
        intxLevel = level;
        config.setWordBits(STATUS, STATUS_INTERRUPT, level);
        updateIntx();
    }

    /** The level the function drives on its INTx pin (before the command register's mask). */
    public final synchronized boolean intxLevel() {
        return intxLevel;
    }

    private synchronized void updateIntx() {
        boolean drive = intxLevel && (config.getWord(COMMAND) & COMMAND_INTX_DISABLE) == 0;
        if (drive != intxDriven) {
            intxDriven = drive;
            intxOutput.set(drive);
        }
    }

    /** The BARs defined, in register order. */
    public final List<PciBar> bars() {
        List<PciBar> list = new ArrayList<>();
        for (PciBar b : bars) {
            if (b != null) {
                list.add(b);
            }
        }
        return Collections.unmodifiableList(list);
    }

    /** The capability offsets in list order. */
    public final List<Integer> capabilityOffsets() {
        return List.copyOf(capabilities);
    }

    /** The bus slot the function is plugged into, or -1. */
    public final int slot() {
        return slot;
    }

    // ---------------------------------------------------------------- reset

    /** A PCI reset: power-on configuration space, BARs unmapped, INTx low, then the device's own reset. */
    public final void reset() {
        config.reset();
        synchronized (this) {
            intxLevel = false;
            updateIntx();
        }
        if (bus != null) {
            bus.updateMappings(this);
        }
        resetDevice();
    }

    /** Returns the device's own state (registers, queues, outstanding work) to power-on. */
    protected abstract void resetDevice();

    // ---------------------------------------------------------------- configuration accesses

    /** A configuration read; override for registers with read side effects, call super otherwise. */
    protected long readConfig(int offset, int size) {
        return config.get(offset, size);
    }

    /** A configuration write through the masks; override for registers with write side effects. */
    protected void writeConfig(int offset, int size, long value) {
        config.write(offset, size, value);
    }

    /** A driver's configuration read arriving from the host bridge. */
    final long configRead(int offset, int size) {
        return readConfig(offset, size);
    }

    /** A driver's configuration write arriving from the host bridge. */
    final void configWrite(int offset, int size, long value) {
        writeConfig(offset, size, value);
        if (overlaps(offset, size, COMMAND, 2)) {
            updateIntx();
            bus.updateMappings(this);
        } else if (overlaps(offset, size, BAR0, 4 * BAR_COUNT)) {
            bus.updateMappings(this);
        }
    }

    /** Where BAR {@code bar} should be mapped now, or {@link PciBar#UNMAPPED}. */
    final long decodedAddress(PciBar bar) {
        int command = config.getWord(COMMAND);
        boolean enabled = bar.kind() == PciBar.Kind.IO ? (command & COMMAND_IO) != 0 : (command & COMMAND_MEMORY) != 0;
        if (!enabled) {
            return PciBar.UNMAPPED;
        }
        int register = BAR0 + 4 * bar.index();
        long address = config.getLong(register) & ~(bar.kind() == PciBar.Kind.IO ? 3L : 15L);
        if (bar.kind() == PciBar.Kind.MEMORY_64) {
            address |= config.getLong(register + 4) << 32;
        }
        return address == 0 ? PciBar.UNMAPPED : address;
    }

    final void plugged(PciBus into, int atSlot, IrqLine intx) {
        if (bus != null) {
            throw new IllegalStateException(name() + " is already plugged");
        }
        bus = into;
        slot = atSlot;
        intxOutput = intx;
        config.captureResetState();
    }

    private static boolean overlaps(int offset, int size, int start, int length) {
        return offset < start + length && start < offset + size;
    }
}
