package dev.jimg.emulator.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.ContainerRegion;
import dev.jimg.emulator.memory.RamRegion;
import dev.jimg.emulator.testutil.MemoryNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** virtio-blk behind the MMIO transport, driven by a scripted driver over guest memory. */
class VirtioBlkTest {
    private static final long HEADER = 0x4000;
    private static final long DATA = 0x5000;
    private static final long STATUS = 0x8000;
    private static final long FEATURES = VirtioDevice.F_VERSION_1 | VirtioDevice.F_INDIRECT_DESC;

    private final AddressSpace memory;
    private final MemoryNode disk = new MemoryNode(1 << 20, false);
    private final AtomicBoolean irq = new AtomicBoolean();
    private final List<String> warnings = new ArrayList<>();
    private VirtioDriver driver;

    VirtioBlkTest() throws Exception {
        ContainerRegion root = new ContainerRegion("root", 1 << 20);
        root.addSubregion(0, RamRegion.ram("ram", 0x10000));
        memory = new AddressSpace("test", root);
        attach(disk, false);
    }

    private void attach(MemoryNode node, boolean readOnly) throws Exception {
        VirtioBlk blk = new VirtioBlk(node, "serial-42", readOnly, true, WorkTracker.NONE, warnings::add);
        driver = new VirtioDriver(new VirtioMmio(blk, memory, irq::set, warnings::add), memory);
    }

    private void header(int type, long sector) {
        memory.write(HEADER, 4, type);
        memory.write(HEADER + 4, 4, 0);
        memory.write(HEADER + 8, 8, sector);
        memory.write(STATUS, 1, 0xff);
    }

    private int status() {
        return (int) memory.read(STATUS, 1);
    }

    @Test
    void identifiesItselfAsABlockDeviceOfVersionTwo() {
        assertEquals(0x74726976, driver.reg(0x000));
        assertEquals(2, driver.reg(0x004));
        assertEquals(2, driver.reg(0x008));
        long features = driver.deviceFeatures();
        long expected = VirtioDevice.F_VERSION_1 | VirtioDevice.F_INDIRECT_DESC | VirtioBlk.F_SEG_MAX
                | VirtioBlk.F_BLK_SIZE | VirtioBlk.F_FLUSH | VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES;
        assertEquals(expected, features);
        assertEquals(2048, driver.reg(0x100));
        assertEquals(512, driver.reg(0x100 + 20));
    }

    @Test
    void readOnlyDisksOfferTheRoFeatureAndRefuseWrites() throws Exception {
        attach(new MemoryNode(1 << 20, true), true);
        assertTrue((driver.deviceFeatures() & VirtioBlk.F_RO) != 0);
        driver.initialise(FEATURES | VirtioBlk.F_RO);
        header(VirtioBlk.T_OUT, 0);
        driver.post(new long[][] {{HEADER, 16, 0}, {DATA, 512, 0}, {STATUS, 1, 1}});
        driver.awaitUsed();
        assertEquals(VirtioBlk.S_IOERR, status());
    }

    @Test
    void featureNegotiationFailsWithoutVersion1() {
        int status = driver.initialise(VirtioBlk.F_FLUSH);
        assertEquals(0, status & 8, "FEATURES_OK must not stick");
    }

    @Test
    void readFillsTheBufferAndInterrupts() throws Exception {
        for (int i = 0; i < 1024; i++) {
            disk.data()[4096 + i] = (byte) i;
        }
        assertEquals(7, driver.initialise(FEATURES) & 7);
        header(VirtioBlk.T_IN, 8);
        int head = driver.post(new long[][] {{HEADER, 16, 0}, {DATA, 1024, 1}, {STATUS, 1, 1}});
        long[] used = driver.awaitUsed();
        assertEquals(head, used[0]);
        assertEquals(1025, used[1]);
        assertEquals(VirtioBlk.S_OK, status());
        byte[] got = new byte[1024];
        memory.read(DATA, got, 0, got.length);
        byte[] expected = new byte[1024];
        System.arraycopy(disk.data(), 4096, expected, 0, 1024);
        assertArrayEquals(expected, got);
        waitFor(irq);
        assertEquals(1, driver.reg(0x60));
        driver.setReg(0x64, 1);
        assertEquals(0, driver.reg(0x60));
        assertFalse(irq.get());
    }

    @Test
    void writeReachesTheNodeThroughIndirectDescriptors() throws Exception {
        driver.initialise(FEATURES);
        for (int i = 0; i < 512; i++) {
            memory.write(DATA + i, 1, 0xa5);
        }
        header(VirtioBlk.T_OUT, 3);
        // An indirect table at 0x9000 with header, data and status.
        long table = 0x9000;
        long[][] entries = {{HEADER, 16, 0}, {DATA, 512, 0}, {STATUS, 1, Virtqueue.DESC_F_WRITE}};
        for (int i = 0; i < entries.length; i++) {
            memory.write(table + 16L * i, 8, entries[i][0]);
            memory.write(table + 16L * i + 8, 4, entries[i][1]);
            memory.write(table + 16L * i + 12, 2, entries[i][2] | (i < 2 ? Virtqueue.DESC_F_NEXT : 0));
            memory.write(table + 16L * i + 14, 2, i + 1);
        }
        int head = driver.descriptor(table, 48, Virtqueue.DESC_F_INDIRECT, 0);
        driver.makeAvailable(head);
        driver.awaitUsed();
        assertEquals(VirtioBlk.S_OK, status());
        assertEquals((byte) 0xa5, disk.data()[3 * 512]);
        assertEquals((byte) 0xa5, disk.data()[4 * 512 - 1]);
        assertTrue(disk.log.contains("write 1536 512"), disk.log.toString());
    }

    @Test
    void requestsBeyondTheEndFailWithIoError() throws Exception {
        driver.initialise(FEATURES);
        header(VirtioBlk.T_IN, 2047);
        driver.post(new long[][] {{HEADER, 16, 0}, {DATA, 1024, 1}, {STATUS, 1, 1}});
        driver.awaitUsed();
        assertEquals(VirtioBlk.S_IOERR, status());
    }

    @Test
    void flushGetIdDiscardAndWriteZeroesReachTheNode() throws Exception {
        driver.initialise(FEATURES | VirtioBlk.F_FLUSH | VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES);
        header(VirtioBlk.T_FLUSH, 0);
        driver.post(new long[][] {{HEADER, 16, 0}, {STATUS, 1, 1}});
        driver.awaitUsed();
        assertEquals(VirtioBlk.S_OK, status());

        header(VirtioBlk.T_GET_ID, 0);
        driver.post(new long[][] {{HEADER, 16, 0}, {DATA, 20, 1}, {STATUS, 1, 1}});
        driver.awaitUsed();
        byte[] id = new byte[9];
        memory.read(DATA, id, 0, id.length);
        assertEquals("serial-42", new String(id, StandardCharsets.US_ASCII));

        long segment = 0x6000;
        memory.write(segment, 8, 16);
        memory.write(segment + 8, 4, 8);
        memory.write(segment + 12, 4, 0);
        header(VirtioBlk.T_DISCARD, 0);
        driver.post(new long[][] {{HEADER, 16, 0}, {segment, 16, 0}, {STATUS, 1, 1}});
        driver.awaitUsed();
        assertEquals(VirtioBlk.S_OK, status());

        memory.write(segment + 12, 4, 1);
        header(VirtioBlk.T_WRITE_ZEROES, 0);
        driver.post(new long[][] {{HEADER, 16, 0}, {segment, 16, 0}, {STATUS, 1, 1}});
        driver.awaitUsed();
        assertEquals(VirtioBlk.S_OK, status());
        assertEquals(List.of("flush", "discard 8192 4096", "zeroes 8192 4096 true"), disk.log);

        header(99, 0);
        driver.post(new long[][] {{HEADER, 16, 0}, {STATUS, 1, 1}});
        driver.awaitUsed();
        assertEquals(VirtioBlk.S_UNSUPP, status());
    }

    @Test
    void suppressedInterruptsAreNotRaised() throws Exception {
        driver.initialise(FEATURES);
        driver.suppressInterrupts(true);
        header(VirtioBlk.T_FLUSH, 0);
        driver.post(new long[][] {{HEADER, 16, 0}, {STATUS, 1, 1}});
        driver.awaitUsed();
        assertFalse(irq.get());
        assertEquals(0, driver.reg(0x60));
    }

    @Test
    void aDescriptorLoopMakesTheDeviceAskForAReset() throws Exception {
        driver.initialise(FEATURES);
        int a = driver.descriptor(HEADER, 16, Virtqueue.DESC_F_NEXT, 1);
        driver.descriptor(DATA, 16, Virtqueue.DESC_F_NEXT, a);
        driver.makeAvailable(a);
        assertTrue((driver.reg(0x70) & 64) != 0, "DEVICE_NEEDS_RESET");
        assertEquals(1, warnings.size(), warnings.toString());
        driver.setReg(0x70, 0);
        assertEquals(0, driver.reg(0x70));
    }

    @Test
    void anEmptySlotHasDeviceIdZero() {
        VirtioMmio empty = new VirtioMmio(null, memory, irq::set, warnings::add);
        assertEquals(0x74726976, empty.read(0, 4));
        assertEquals(0, empty.read(8, 4));
    }

    private static void waitFor(AtomicBoolean flag) throws InterruptedException {
        for (int i = 0; i < 10_000 && !flag.get(); i++) {
            Thread.sleep(1);
        }
        assertTrue(flag.get(), "no interrupt");
    }
}
