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
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * virtio-blk over the modern PCI transport, driven step by step as Linux's {@code virtio_pci_modern}
 * does: find the structures through the capability list, negotiate, set up a queue, submit
 * requests, take the INTx interrupt and acknowledge it through the ISR.
 */
class VirtioPciTest {
    private static final int SLOT = 1;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long DESC = PciTestMachine.RAM + 0x10000;
    private static final long AVAIL = PciTestMachine.RAM + 0x11000;
    private static final long USED = PciTestMachine.RAM + 0x12000;
    private static final long BUFFERS = PciTestMachine.RAM + 0x20000;
    private static final int QUEUE = 8;

    private final PciTestMachine machine = new PciTestMachine();
    private final MemoryNode disk = new MemoryNode(1 << 20, false);
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private AddressSpace bus;
    private final Map<Integer, Long> structures = new HashMap<>();
    private int notifyMultiplier;
    private int nextAvail;

    @BeforeEach
    void plugDevice() throws Exception {
        VirtioBlk blk = new VirtioBlk(disk, "serial-1", false, false, WorkTracker.NONE, warnings::add);
        machine.plug(SLOT, new VirtioPci(blk, false, warnings::add));
        bus = machine.bus();
        new Random(5).nextBytes(disk.data());
    }

    @Test
    void identifiesAsAModernVirtioBlockFunction() {
        assertEquals(0x1042_1af4L, machine.config(SLOT, VENDOR_ID, 4));
        assertEquals(0x0100_0001L, machine.config(SLOT, REVISION_ID, 4), "class 01:00:00, revision 1 (modern only)");
        assertEquals(0x1100_1af4L, machine.config(SLOT, SUBSYSTEM_VENDOR_ID, 4));
        assertEquals(1, machine.config(SLOT, INTERRUPT_PIN, 1));
        machine.setConfig(SLOT, BAR0 + 16, 4, 0xffff_ffffL);
        assertEquals(0xffff_c00cL, machine.config(SLOT, BAR0 + 16, 4), "BAR 4: 16 KiB, 64-bit, prefetchable");
    }

    @Test
    void capabilitiesPointIntoBar4AsTheSpecificationLaysThemOut() {
        Map<Integer, int[]> caps = walkCapabilities();
        assertEquals(List.of(1, 2, 3, 4, 5), caps.keySet().stream().sorted().toList());
        assertArrayEquals(new int[] {4, 0x0000, 0x38}, caps.get(VirtioPci.TYPE_COMMON));
        assertArrayEquals(new int[] {4, 0x1000, 1}, caps.get(VirtioPci.TYPE_ISR));
        assertArrayEquals(new int[] {4, 0x2000, 60}, caps.get(VirtioPci.TYPE_DEVICE));
        assertArrayEquals(new int[] {4, 0x3000, 4}, caps.get(VirtioPci.TYPE_NOTIFY));
        assertEquals(4, notifyMultiplier);
    }

    @Test
    void readsAndWritesSectorsAndInterruptsThroughIntx() throws Exception {
        initialise();
        assertEquals(2048, readDeviceConfig(0, 8), "capacity in sectors");

        int head = request(VirtioBlk.T_IN, 3, 1024, true);
        completeAndAcknowledge(head);
        byte[] got = new byte[1024];
        bus.read(BUFFERS + 0x100, got, 0, got.length);
        byte[] expected = new byte[1024];
        System.arraycopy(disk.data(), 3 * 512, expected, 0, 1024);
        assertArrayEquals(expected, got);
        assertEquals(VirtioBlk.S_OK, bus.read(BUFFERS + 0x100 + 1024, 1));

        byte[] payload = new byte[512];
        new Random(9).nextBytes(payload);
        bus.write(BUFFERS + 0x100, payload, 0, payload.length);
        head = request(VirtioBlk.T_OUT, 100, 512, false);
        completeAndAcknowledge(head);
        byte[] onDisk = new byte[512];
        System.arraycopy(disk.data(), 100 * 512, onDisk, 0, 512);
        assertArrayEquals(payload, onDisk);
        assertTrue(warnings.isEmpty(), warnings::toString);
    }

    @Test
    void theConfigurationAccessCapabilityReachesTheBar() {
        initialise();
        int cap = capabilityOffset(VirtioPci.TYPE_PCI_CFG);
        machine.setConfig(SLOT, cap + 4, 1, 4);
        machine.setConfig(SLOT, cap + 8, 4, 0x2000);
        machine.setConfig(SLOT, cap + 12, 4, 4);
        assertEquals(2048, machine.config(SLOT, cap + 16, 4), "capacity through the window");
        machine.setConfig(SLOT, cap + 8, 4, 0x16);
        machine.setConfig(SLOT, cap + 12, 4, 2);
        machine.setConfig(SLOT, cap + 16, 4, 5);
        assertEquals(5, bus.read(common() + 0x16, 2), "queue_select written through the window");
    }

    @Test
    void statusZeroResetsTheDeviceAndForgetsTheQueue() {
        initialise();
        bus.write(common() + 0x14, 1, 0);
        assertEquals(0, bus.read(common() + 0x14, 1));
        bus.write(common() + 0x16, 2, 0);
        assertEquals(0, bus.read(common() + 0x1c, 2), "queue disabled again");
        assertEquals(256, bus.read(common() + 0x18, 2), "queue size back at the maximum");
    }

    @Test
    void featuresOkDoesNotStickWithoutVersion1() {
        bus.write(common() + 0x14, 1, VirtioControl.STATUS_ACKNOWLEDGE | VirtioControl.STATUS_DRIVER);
        bus.write(common() + 0x08, 4, 0);
        bus.write(common() + 0x0c, 4, VirtioBlk.F_FLUSH);
        bus.write(common() + 0x14, 1, 0x0b);
        assertEquals(0, bus.read(common() + 0x14, 1) & VirtioControl.STATUS_FEATURES_OK);
    }

    // ---------------------------------------------------------------- the scripted driver

    private Map<Integer, int[]> walkCapabilities() {
        Map<Integer, int[]> caps = new HashMap<>();
        int at = (int) machine.config(SLOT, CAPABILITIES_POINTER, 1);
        while (at != 0) {
            if (machine.config(SLOT, at, 1) == VirtioPci.CAP_VENDOR) {
                int type = (int) machine.config(SLOT, at + 3, 1);
                caps.put(type, new int[] {(int) machine.config(SLOT, at + 4, 1), (int) machine.config(SLOT, at + 8, 4),
                        (int) machine.config(SLOT, at + 12, 4)});
                if (type == VirtioPci.TYPE_NOTIFY) {
                    notifyMultiplier = (int) machine.config(SLOT, at + 16, 4);
                }
            }
            at = (int) machine.config(SLOT, at + 1, 1);
        }
        return caps;
    }

    private int capabilityOffset(int type) {
        int at = (int) machine.config(SLOT, CAPABILITIES_POINTER, 1);
        while (at != 0) {
            if (machine.config(SLOT, at, 1) == VirtioPci.CAP_VENDOR && machine.config(SLOT, at + 3, 1) == type) {
                return at;
            }
            at = (int) machine.config(SLOT, at + 1, 1);
        }
        throw new AssertionError("no capability of type " + type);
    }

    private long common() {
        if (structures.isEmpty()) {
            long bar4 = machine.assignBars(SLOT)[4];
            walkCapabilities().forEach((type, cap) -> structures.put(type, bar4 + cap[1]));
        }
        return structures.get(VirtioPci.TYPE_COMMON);
    }

    private long readDeviceConfig(int offset, int size) {
        common();
        return bus.read(structures.get(VirtioPci.TYPE_DEVICE) + offset, size);
    }

    /** Reset, ACKNOWLEDGE, DRIVER, VERSION_1, FEATURES_OK, queue 0 of {@value #QUEUE} entries, DRIVER_OK. */
    private void initialise() {
        long c = common();
        bus.write(c + 0x14, 1, 0);
        bus.write(c + 0x14, 1, VirtioControl.STATUS_ACKNOWLEDGE | VirtioControl.STATUS_DRIVER);
        bus.write(c + 0x00, 4, 1);
        assertEquals(1, bus.read(c + 0x04, 4) & 1, "VIRTIO_F_VERSION_1 offered");
        bus.write(c + 0x08, 4, 1);
        bus.write(c + 0x0c, 4, 1);
        bus.write(c + 0x14, 1, 0x0b);
        assertEquals(0x0b, bus.read(c + 0x14, 1), "FEATURES_OK accepted");
        assertEquals(1, bus.read(c + 0x12, 2), "one queue");
        bus.write(c + 0x16, 2, 0);
        assertEquals(256, bus.read(c + 0x18, 2));
        bus.write(c + 0x18, 2, QUEUE);
        bus.write(c + 0x20, 4, DESC & 0xffff_ffffL);
        bus.write(c + 0x24, 4, DESC >>> 32);
        bus.write(c + 0x28, 8, AVAIL);
        bus.write(c + 0x30, 4, USED & 0xffff_ffffL);
        bus.write(c + 0x34, 4, USED >>> 32);
        bus.write(c + 0x1c, 2, 1);
        assertEquals(DESC, bus.read(c + 0x20, 8));
        assertEquals(0xffff, bus.read(c + 0x1a, 2), "no MSI-X vector");
        bus.write(c + 0x14, 1, 0x0f);
    }

    /** Puts a three-descriptor request in the ring and notifies; returns its head. */
    private int request(int type, long sector, int length, boolean deviceWrites) {
        long header = BUFFERS;
        long data = BUFFERS + 0x100;
        bus.write(header, 4, type);
        bus.write(header + 4, 4, 0);
        bus.write(header + 8, 8, sector);
        descriptor(0, header, 16, 1, 1);
        descriptor(1, data, length, 1 | (deviceWrites ? 2 : 0), 2);
        descriptor(2, data + length, 1, 2, 0);
        bus.write(AVAIL + 4 + 2L * (nextAvail % QUEUE), 2, 0);
        nextAvail++;
        bus.write(AVAIL + 2, 2, nextAvail);
        int queueNotifyOff = (int) bus.read(common() + 0x1e, 2);
        bus.write(structures.get(VirtioPci.TYPE_NOTIFY) + (long) queueNotifyOff * notifyMultiplier, 2, 0);
        return 0;
    }

    private void descriptor(int index, long address, int length, int flags, int next) {
        long d = DESC + 16L * index;
        bus.write(d, 8, address);
        bus.write(d + 8, 4, length);
        bus.write(d + 12, 2, flags);
        bus.write(d + 14, 2, next);
    }

    private void completeAndAcknowledge(int head) throws InterruptedException {
        PciTestMachine.await("the used ring", WAIT, () -> bus.read(USED + 2, 2) == nextAvail);
        PciTestMachine.await("INTx", WAIT, () -> machine.intx(SLOT));
        assertEquals(head, bus.read(USED + 4 + 8L * ((nextAvail - 1) % QUEUE), 4));
        assertTrue((machine.config(SLOT, STATUS, 2) & STATUS_INTERRUPT) != 0);
        assertEquals(VirtioControl.INTERRUPT_USED, bus.read(structures.get(VirtioPci.TYPE_ISR), 1));
        assertFalse(machine.intx(SLOT), "reading the ISR lowered INTx");
        assertEquals(0, bus.read(structures.get(VirtioPci.TYPE_ISR), 1), "and cleared it");
    }
}
