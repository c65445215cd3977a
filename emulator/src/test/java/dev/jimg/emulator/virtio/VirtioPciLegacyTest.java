package dev.jimg.emulator.virtio;

import static dev.jimg.emulator.pci.PciConfigSpace.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.pci.PciTestMachine;
import dev.jimg.emulator.testutil.MemoryNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transitional virtio-blk-pci function (QEMU's default, 1af4:1001) driven through its legacy
 * I/O BAR as U-Boot's {@code virtio_pci_legacy} drives it: features, a ring placed by page frame
 * number, a read request, the ISR.
 */
class VirtioPciLegacyTest {
    private static final int SLOT = 2;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long RING = PciTestMachine.RAM + 0x40000;
    private static final long BUFFERS = PciTestMachine.RAM + 0x80000;
    private static final int SIZE = 256;

    private final PciTestMachine machine = new PciTestMachine();
    private final MemoryNode disk = new MemoryNode(1 << 20, false);
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private AddressSpace bus;
    private long io;

    @BeforeEach
    void plug() throws Exception {
        new Random(8).nextBytes(disk.data());
        VirtioBlk blk = new VirtioBlk(disk, "", false, false, WorkTracker.NONE, warnings::add);
        machine.plug(SLOT, new VirtioPci(blk, true, warnings::add));
        bus = machine.bus();
    }

    @Test
    void identifiesAsTransitionalWithALegacyIoBarAndTheModernBar() {
        assertEquals(0x1001_1af4L, machine.config(SLOT, VENDOR_ID, 4));
        assertEquals(0x0100_0000L, machine.config(SLOT, REVISION_ID, 4), "class 01:00:00, revision 0");
        assertEquals(0x0002_1af4L, machine.config(SLOT, SUBSYSTEM_VENDOR_ID, 4), "subsystem ID = device type");
        machine.setConfig(SLOT, BAR0, 4, 0xffff_ffffL);
        assertEquals(0xffff_ff81L, machine.config(SLOT, BAR0, 4), "BAR 0: 128 bytes of I/O");
        machine.setConfig(SLOT, BAR0 + 16, 4, 0xffff_ffffL);
        assertEquals(0xffff_c00cL, machine.config(SLOT, BAR0 + 16, 4), "BAR 4: the modern registers");
    }

    @Test
    void legacyDriverReadsSectorsThroughARingPlacedByPageFrame() throws Exception {
        io = machine.assignBars(SLOT)[0];
        bus.write(io + 0x12, 1, 0);
        bus.write(io + 0x12, 1, VirtioControl.STATUS_ACKNOWLEDGE | VirtioControl.STATUS_DRIVER);
        long features = bus.read(io, 4);
        assertTrue((features & VirtioBlk.F_BLK_SIZE) != 0);
        bus.write(io + 0x04, 4, features & VirtioBlk.F_BLK_SIZE);
        assertEquals(2048, bus.read(io + 0x14, 4), "capacity, low half, at 0x14 without MSI-X");
        bus.write(io + 0x0e, 2, 0);
        assertEquals(SIZE, bus.read(io + 0x0c, 2));
        bus.write(io + 0x08, 4, RING >>> 12);
        assertEquals(RING >>> 12, bus.read(io + 0x08, 4));
        bus.write(io + 0x12, 1, VirtioControl.STATUS_ACKNOWLEDGE | VirtioControl.STATUS_DRIVER
                | VirtioControl.STATUS_DRIVER_OK);

        long avail = RING + 16L * SIZE;
        long used = (avail + 6 + 2L * SIZE + 4095) & -4096L;
        bus.write(BUFFERS, 4, VirtioBlk.T_IN);
        bus.write(BUFFERS + 8, 8, 6);
        descriptor(0, BUFFERS, 16, 1, 1);
        descriptor(1, BUFFERS + 0x100, 512, 3, 2);
        descriptor(2, BUFFERS + 0x300, 1, 2, 0);
        bus.write(avail + 4, 2, 0);
        bus.write(avail + 2, 2, 1);
        bus.write(io + 0x10, 2, 0);

        PciTestMachine.await("the used ring", WAIT, () -> bus.read(used + 2, 2) == 1);
        PciTestMachine.await("INTx", WAIT, () -> machine.intx(SLOT));
        byte[] got = new byte[512];
        bus.read(BUFFERS + 0x100, got, 0, 512);
        assertArrayEquals(Arrays.copyOfRange(disk.data(), 6 * 512, 7 * 512), got);
        assertEquals(VirtioBlk.S_OK, bus.read(BUFFERS + 0x300, 1));
        assertEquals(VirtioControl.INTERRUPT_USED, bus.read(io + 0x13, 1));
        assertFalse(machine.intx(SLOT), "reading the ISR lowered INTx");
        assertTrue(warnings.isEmpty(), warnings::toString);

        bus.write(io + 0x12, 1, 0);
        assertEquals(0, bus.read(io + 0x08, 4), "reset forgets the ring");
    }

    private void descriptor(int index, long address, int length, int flags, int next) {
        long d = RING + 16L * index;
        bus.write(d, 8, address);
        bus.write(d + 8, 4, length);
        bus.write(d + 12, 2, flags);
        bus.write(d + 14, 2, next);
    }
}
