package dev.jimg.emulator.pci;

import static dev.jimg.emulator.pci.PciConfigSpace.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.BusErrorException;
import dev.jimg.emulator.memory.ContainerRegion;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MmioOps;
import dev.jimg.emulator.memory.MmioRegion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The host bridge as a driver sees it, driven through ECAM and the windows the way Linux's and
 * U-Boot's PCI cores do: enumeration, BAR sizing and assignment, decode enables, capability walking,
 * INTx routing, reset.
 */
class PcieHostTest {
    private static final long ECAM = 0x3000_0000L;
    private static final long IO_WINDOW = 0x0300_0000L;
    private static final long MMIO = 0x4000_0000L;
    private static final long MMIO_HIGH = 0x4_0000_0000L;

    private final boolean[] plic = new boolean[4];
    private AddressSpace bus;
    private PcieHost host;

    /** A register file that answers reads with its offset plus a base value, and remembers writes. */
    static final class Registers implements MmioOps {
        final long base;
        final List<String> writes = new ArrayList<>();

        Registers(long base) {
            this.base = base;
        }

        @Override
        public AccessRules rules() {
            return AccessRules.sizes(1, 4);
        }

        @Override
        public long read(long offset, int size) {
            return base + offset;
        }

        @Override
        public void write(long offset, long value, int size) {
            writes.add(offset + "=" + Long.toHexString(value));
        }
    }

    /** A function with one BAR of each kind and three capabilities. */
    static final class TestFunction extends PciDevice {
        final Registers io = new Registers(0x100);
        final Registers mmio = new Registers(0x2000);
        final Registers high = new Registers(0x30000);
        int resets;
        int pmCapability;
        int vendorCapability;
        int sataCapability;

        TestFunction() {
            super(PciIdentity.of(0x8086, 0x2922, 2, 0x010601).withSubsystem(0x1af4, 0x1100));
            defineBar(0, PciBar.Kind.IO, false, new MmioRegion("test-io", 32, io));
            defineBar(1, PciBar.Kind.MEMORY_32, false, new MmioRegion("test-mmio", 0x1000, mmio));
            defineBar(4, PciBar.Kind.MEMORY_64, true, new MmioRegion("test-high", 0x4000, high));
            pmCapability = addCapability(0x01, 8);
            vendorCapability = addCapability(0x09, 5);
            sataCapability = addCapability(0x12, 8);
        }

        void interrupt(boolean level) {
            setIntx(level);
        }

        @Override
        protected void resetDevice() {
            resets++;
        }
    }

    @BeforeEach
    void buildMachine() {
        ContainerRegion system = new ContainerRegion("system", 1L << 56);
        bus = new AddressSpace("memory", system);
        IrqLine[] lines = new IrqLine[4];
        for (int i = 0; i < 4; i++) {
            int line = i;
            lines[i] = level -> plic[line] = level;
        }
        host = new PcieHost(bus, lines);
        system.addSubregion(ECAM, host.ecamRegion());
        system.addSubregion(IO_WINDOW, host.ioWindow("io", 0x10000));
        system.addSubregion(MMIO, host.memoryWindow("mmio", MMIO, 0x4000_0000L));
        system.addSubregion(MMIO_HIGH, host.memoryWindow("mmio-high", MMIO_HIGH, 0x4_0000_0000L));
    }

    private long config(int slot, int offset, int size) {
        return bus.read(ECAM + ((long) slot << 15) + offset, size);
    }

    private void setConfig(int slot, int offset, int size, long value) {
        bus.write(ECAM + ((long) slot << 15) + offset, size, value);
    }

    @Test
    void enumerationFindsTheHostBridgeAndAllOnesInEmptySlots() {
        assertEquals(0x0008_1b36L, config(0, VENDOR_ID, 4));
        assertEquals(0x06_00_00_00L, config(0, REVISION_ID, 4), "class 06:00:00 (host bridge), revision 0");
        assertEquals(0x1100_1af4L, config(0, SUBSYSTEM_VENDOR_ID, 4));
        assertEquals(0xffff_ffffL, config(1, VENDOR_ID, 4));
        assertEquals(0xffffL, config(31, VENDOR_ID, 2));
        assertEquals(0xffff_ffffL, bus.read(ECAM + (1L << 20), 4), "bus 1 does not exist");
        assertEquals(0xffff_ffffL, bus.read(ECAM + (1L << 12), 4), "function 1 does not exist");
    }

    @Test
    void barSizingReadsBackTheSizeMaskAndTypeBits() {
        TestFunction f = new TestFunction();
        host.bus().plug(3, f);
        for (int bar = 0; bar < 6; bar++) {
            setConfig(3, BAR0 + 4 * bar, 4, 0xffff_ffffL);
        }
        assertEquals(0xffff_ffe1L, config(3, BAR0, 4), "32-byte I/O BAR");
        assertEquals(0xffff_f000L, config(3, BAR0 + 4, 4), "4 KiB 32-bit memory BAR");
        assertEquals(0, config(3, BAR0 + 8, 4), "unimplemented BAR reads zero");
        assertEquals(0xffff_c00cL, config(3, BAR0 + 16, 4), "16 KiB 64-bit prefetchable BAR");
        assertEquals(0xffff_ffffL, config(3, BAR0 + 20, 4), "upper half of the 64-bit BAR");
        assertEquals(0, config(3, EXPANSION_ROM, 4), "no expansion ROM");
    }

    @Test
    void identificationRegistersAreReadOnly() {
        TestFunction f = new TestFunction();
        host.bus().plug(1, f);
        setConfig(1, VENDOR_ID, 4, 0x1234_5678L);
        setConfig(1, REVISION_ID, 4, 0);
        setConfig(1, INTERRUPT_PIN, 1, 3);
        assertEquals(0x2922_8086L, config(1, VENDOR_ID, 4));
        assertEquals(0x0106_0102L, config(1, REVISION_ID, 4));
        assertEquals(1, config(1, INTERRUPT_PIN, 1));
        setConfig(1, INTERRUPT_LINE, 1, 0x21);
        assertEquals(0x21, config(1, INTERRUPT_LINE, 1), "the interrupt line is scratch space for software");
    }

    @Test
    void barsDecodeAtTheirProgrammedAddressOnlyWhileEnabled() {
        TestFunction f = new TestFunction();
        host.bus().plug(2, f);
        setConfig(2, BAR0, 4, 0x1000);
        setConfig(2, BAR0 + 4, 4, 0x4010_0000L);
        setConfig(2, BAR0 + 16, 4, 0x0000_8000L);
        setConfig(2, BAR0 + 20, 4, 0x4);
        assertThrows(BusErrorException.class, () -> bus.read(0x4010_0000L, 4), "memory decoding is off");

        setConfig(2, COMMAND, 2, COMMAND_MEMORY | COMMAND_IO);
        assertEquals(0x2000 + 8, bus.read(0x4010_0008L, 4));
        assertEquals(0x30000 + 0x10, bus.read(0x4_0000_8010L, 4), "64-bit BAR above 4 GiB");
        assertEquals(0x100 + 4, bus.read(IO_WINDOW + 0x1004, 4), "I/O BAR through the I/O window");
        bus.write(0x4010_0010L, 4, 0xabcd);
        assertEquals(List.of("16=abcd"), f.mmio.writes);

        setConfig(2, BAR0 + 4, 4, 0x4020_0000L);
        assertThrows(BusErrorException.class, () -> bus.read(0x4010_0000L, 4), "the BAR moved away");
        assertEquals(0x2000, bus.read(0x4020_0000L, 4));
        assertEquals(0x4020_0000L, f.bars().get(1).address());

        setConfig(2, COMMAND, 2, COMMAND_IO);
        assertThrows(BusErrorException.class, () -> bus.read(0x4020_0000L, 4), "memory decoding switched off");
        assertEquals(0x100, bus.read(IO_WINDOW + 0x1000, 4), "I/O decoding stays on");
        assertEquals(PciBar.UNMAPPED, f.bars().get(1).address());
    }

    @Test
    void capabilityListLinksEveryCapabilityFromThePointer() {
        TestFunction f = new TestFunction();
        host.bus().plug(1, f);
        assertTrue((config(1, STATUS, 2) & STATUS_CAPABILITIES) != 0);
        List<Integer> ids = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        int at = (int) config(1, CAPABILITIES_POINTER, 1);
        while (at != 0) {
            assertEquals(0, at & 3, "capabilities are dword aligned");
            assertTrue(at >= CAPABILITIES_START, "capabilities live after the header");
            offsets.add(at);
            ids.add((int) config(1, at, 1));
            at = (int) config(1, at + 1, 1);
        }
        assertEquals(List.of(0x01, 0x09, 0x12), ids);
        assertEquals(List.of(f.pmCapability, f.vendorCapability, f.sataCapability), offsets);
        assertEquals(offsets, f.capabilityOffsets());
    }

    @Test
    void intxFollowsTheSwizzleAndTheDisableBit() {
        TestFunction slot1 = new TestFunction();
        TestFunction slot5 = new TestFunction();
        host.bus().plug(1, slot1);
        host.bus().plug(5, slot5);
        slot1.interrupt(true);
        assertTrue(plic[1], "slot 1 INTA reaches line (1 + 1 - 1) mod 4 = 1");
        assertTrue((config(1, STATUS, 2) & STATUS_INTERRUPT) != 0);

        slot5.interrupt(true);
        slot1.interrupt(false);
        assertTrue(plic[1], "slot 5 INTA shares line 1 and still holds it");
        slot5.interrupt(false);
        assertFalse(plic[1]);

        slot1.interrupt(true);
        setConfig(1, COMMAND, 2, COMMAND_INTX_DISABLE);
        assertFalse(plic[1], "INTx disabled in the command register");
        assertTrue((config(1, STATUS, 2) & STATUS_INTERRUPT) != 0, "the status bit still shows the level");
        setConfig(1, COMMAND, 2, 0);
        assertTrue(plic[1]);
    }

    @Test
    void statusErrorBitsAreWriteOneToClear() {
        TestFunction f = new TestFunction();
        host.bus().plug(1, f);
        f.config().setWordBits(STATUS, 1 << 13, true);
        setConfig(1, STATUS, 2, STATUS_CAPABILITIES);
        assertTrue((config(1, STATUS, 2) & (1 << 13)) != 0, "writing 0 keeps the bit");
        setConfig(1, STATUS, 2, 1 << 13);
        assertEquals(STATUS_CAPABILITIES, config(1, STATUS, 2));
    }

    @Test
    void resetRestoresConfigurationSpaceUnmapsBarsAndResetsTheDevice() {
        TestFunction f = new TestFunction();
        host.bus().plug(1, f);
        setConfig(1, BAR0 + 4, 4, 0x4000_0000L);
        setConfig(1, COMMAND, 2, COMMAND_MEMORY | COMMAND_BUS_MASTER);
        f.interrupt(true);
        assertEquals(0x2000, bus.read(0x4000_0000L, 4));

        host.bus().reset();

        assertEquals(1, f.resets);
        assertEquals(0, config(1, COMMAND, 2));
        assertEquals(0, config(1, BAR0 + 4, 4));
        assertFalse(plic[1]);
        assertThrows(BusErrorException.class, () -> bus.read(0x4000_0000L, 4));
    }

    @Test
    void rejectsBarsThatTheRegisterFormatCannotDescribe() {
        class Bad extends PciDevice {
            Bad(PciBar.Kind kind, long size, int index) {
                super(PciIdentity.of(0x1b36, 0x1234, 0, 0));
                defineBar(index, kind, false, new MmioRegion("bad", size, new Registers(0)));
            }

            @Override
            protected void resetDevice() {
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Bad(PciBar.Kind.MEMORY_32, 0x1800, 0), "not a power of two");
        assertThrows(IllegalArgumentException.class, () -> new Bad(PciBar.Kind.IO, 512, 0), "I/O BARs are at most 256 bytes");
        assertThrows(IllegalArgumentException.class, () -> new Bad(PciBar.Kind.MEMORY_64, 0x1000, 5), "needs two registers");
    }
}
