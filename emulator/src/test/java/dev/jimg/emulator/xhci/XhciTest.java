package dev.jimg.emulator.xhci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.pci.PciConfigSpace;
import dev.jimg.emulator.pci.PciTestMachine;
import dev.jimg.emulator.scsi.ScsiDisk;
import dev.jimg.emulator.testutil.MemoryNode;
import dev.jimg.emulator.usb.Descriptors;
import dev.jimg.emulator.usb.MassStorage;
import dev.jimg.emulator.usb.SetupPacket;
import dev.jimg.emulator.usb.UsbDevice;
import dev.jimg.emulator.xhci.XhciDriver.Trb;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The xHCI controller under a scripted driver with a USB mass storage device on connector 1:
 * identification, enumeration with 32- and 64-byte contexts, Bulk-Only commands through the rings,
 * and the paths a guest rarely takes: Stop Endpoint while a TD is in flight (completed) or waiting
 * (rolled back), Set TR Dequeue Pointer, stalls and Reset Endpoint, Event Data TRBs, HCRST with
 * slots enabled and a transfer still on the block layer.
 */
class XhciTest {
    static final int PCI_SLOT = 2;
    static final int PORT = 5;
    static final int BULK_IN = 3;
    static final int BULK_OUT = 4;
    static final int BLOCKS = 512;

    final PciTestMachine machine = new PciTestMachine();
    final MemoryNode memory = new MemoryNode(BLOCKS * 512, false);
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    XhciDriver driver;
    int nextTag = 1;

    void plug(boolean contexts64) throws Exception {
        new Random(4).nextBytes(memory.data());
        MassStorage stick = new MassStorage(new ScsiDisk(memory, "JIMG", "JIMG HARDDISK", "9", false, false,
                warnings::add), "9", warnings::add);
        machine.plug(PCI_SLOT, new XhciPci(Arrays.asList(stick), contexts64, System::nanoTime, WorkTracker.NONE,
                warnings::add));
        driver = new XhciDriver(machine, PCI_SLOT, contexts64);
        driver.start();
    }

    /** Enable Slot, Address Device, SET_CONFIGURATION and Configure Endpoint: ready for BOT. */
    int configured() throws Exception {
        int slot = driver.enableSlot();
        assertEquals(1, driver.addressDevice(slot, PORT, false).code());
        assertEquals(1, driver.configureBulk(slot).code());
        assertEquals(1, driver.control(slot, new SetupPacket(0, UsbDevice.SET_CONFIGURATION, 1, 0, 0), 0).code());
        return slot;
    }

    long cbw(int slot, long hostLength, boolean in, int... cdb) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(MassStorage.CBW_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        int tag = nextTag++;
        b.putInt(MassStorage.CBW_SIGNATURE).putInt(tag).putInt((int) hostLength).put((byte) (in ? 0x80 : 0))
                .put((byte) 0).put((byte) cdb.length);
        for (int c : cdb) {
            b.put((byte) c);
        }
        long at = XhciDriver.DATA + 0xf0000;
        machine.bus().write(at, b.array(), 0, MassStorage.CBW_LENGTH);
        driver.bulk(slot, BULK_OUT, at, MassStorage.CBW_LENGTH);
        driver.doorbell(slot, BULK_OUT);
        Trb e = driver.transferEvent(slot, BULK_OUT);
        assertEquals(1, e.code(), "CBW accepted");
        return tag;
    }

    /** Reads the CSW; returns its status, checking tag and residue. */
    int csw(int slot, long tag, long residue) throws Exception {
        long at = XhciDriver.DATA + 0xf8000;
        driver.bulk(slot, BULK_IN, at, MassStorage.CSW_LENGTH);
        driver.doorbell(slot, BULK_IN);
        assertEquals(1, driver.transferEvent(slot, BULK_IN).code());
        ByteBuffer b = ByteBuffer.wrap(driver.memory(at, 13)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(MassStorage.CSW_SIGNATURE, b.getInt(0));
        assertEquals(tag, b.getInt(4));
        assertEquals(residue, b.getInt(8) & 0xffff_ffffL);
        return b.get(12);
    }

    byte[] blocks(int first, int count) {
        return Arrays.copyOfRange(memory.data(), first * 512, (first + count) * 512);
    }

    @Test
    void identifiesAsQemuXhciWithUsb2AndUsb3Ports() throws Exception {
        plug(false);
        assertEquals(0x000d_1b36L, machine.config(PCI_SLOT, PciConfigSpace.VENDOR_ID, 4));
        assertEquals(0x0c03_3001L, machine.config(PCI_SLOT, PciConfigSpace.REVISION_ID, 4));
        assertEquals(4, machine.config(PCI_SLOT, PciConfigSpace.BAR0, 4) & 6, "64-bit BAR 0");
        assertEquals(0x30, machine.config(PCI_SLOT, XhciPci.SBRN, 1));
        assertEquals(0x0100_0040L, driver.reg(0));
        long hcs1 = driver.reg(4);
        assertEquals(64, hcs1 & 0xff);
        assertEquals(16, (hcs1 >>> 8) & 0x7ff);
        assertEquals(8, hcs1 >>> 24);
        long hcc1 = driver.reg(0x10);
        assertEquals(0, hcc1 & XhciController.HCCPARAMS1_CSZ, "32-byte contexts");
        int xecp = (int) (hcc1 >>> 16) * 4;
        assertEquals(0x0200_0402L, driver.reg(xecp), "USB 2.0 protocol, next capability 4 dwords on");
        assertEquals(0x0000_0401L, driver.reg(xecp + 8), "ports 1-4");
        assertEquals(0x0300_0002L, driver.reg(xecp + 16), "USB 3.0 protocol, last capability");
        assertEquals(0x0000_0405L, driver.reg(xecp + 24), "ports 5-8");

        long usb3 = driver.portsc(PORT);
        assertEquals(RootPort.CCS | RootPort.PED, usb3 & 3, "a SuperSpeed port with a device trains by itself");
        assertEquals(RootPort.SPEED_SUPER, (usb3 >>> 10) & 0xf);
        assertEquals(RootPort.PLS_U0, (usb3 >>> 5) & 0xf);
        assertTrue((usb3 & RootPort.CSC) != 0);
        long usb2 = driver.portsc(1);
        assertEquals(0, usb2 & 1, "the device is not on the USB 2 side of its connector");
        assertEquals(RootPort.PLS_RX_DETECT, (usb2 >>> 5) & 0xf);
    }

    @ParameterizedTest(name = "64-byte contexts: {0}")
    @ValueSource(booleans = {false, true})
    void enumeratesTheStickAndReadsThroughBulkOnly(boolean contexts64) throws Exception {
        plug(contexts64);
        driver.setReg(XhciController.PORT_REGISTERS + 0x10 * (PORT - 1), RootPort.PR | RootPort.CSC | RootPort.PP);
        Trb change = driver.await("port status change", e -> e.type() == 34);
        assertEquals(PORT, change.parameter() >>> 24);
        assertTrue((driver.portsc(PORT) & RootPort.PRC) != 0);

        int slot = driver.enableSlot();
        assertEquals(1, slot);
        assertEquals(1, driver.addressDevice(slot, PORT, false).code());
        assertEquals(Contexts.SLOT_STATE_ADDRESSED, driver.slotState(slot));
        assertEquals(slot, driver.machine.bus().read(driver.deviceContext(slot) + 12, 1), "USB address");

        long buffer = XhciDriver.DATA;
        Trb status = driver.control(slot, new SetupPacket(0x80, UsbDevice.GET_DESCRIPTOR, Descriptors.DEVICE << 8, 0, 18),
                buffer);
        assertEquals(1, status.code());
        byte[] descriptor = driver.memory(buffer, 18);
        assertEquals(0x46f4, (descriptor[8] & 0xff) | (descriptor[9] & 0xff) << 8);

        assertEquals(1, driver.configureBulk(slot).code());
        assertEquals(Contexts.SLOT_STATE_CONFIGURED, driver.slotState(slot));
        assertEquals(Endpoint.State.RUNNING.ordinal(), driver.endpointState(slot, BULK_IN));

        long tag = cbw(slot, 8192, true, 0x28, 0, 0, 0, 0, 32, 0, 0, 16, 0);
        driver.bulk(slot, BULK_IN, buffer, 8192);
        driver.doorbell(slot, BULK_IN);
        Trb data = driver.transferEvent(slot, BULK_IN);
        assertEquals(1, data.code());
        assertEquals(0, data.length(), "nothing left over");
        assertArrayEquals(blocks(32, 16), driver.memory(buffer, 8192));
        assertEquals(MassStorage.CSW_PASSED, csw(slot, tag, 0));
        assertTrue(warnings.isEmpty(), warnings::toString);
    }

    @Test
    void anEventRaisesIntxUntilTheDriverClearsInterruptPending() throws Exception {
        plug(false);
        assertFalse(machine.intx(PCI_SLOT));
        long noOp = driver.issue(0, 0, 23 << 10);
        PciTestMachine.await("INTx", java.time.Duration.ofSeconds(5), () -> machine.intx(PCI_SLOT));
        assertTrue((driver.reg(XhciController.USBSTS) & XhciController.STS_EINT) != 0);
        assertEquals(1, driver.completionOf(noOp).code());
        assertFalse(machine.intx(PCI_SLOT), "IP cleared, EHB cleared, nothing more pending");
    }

    /**
     * The key property: a TD the device is working on when Stop Endpoint arrives completes with all
     * its data before the command does, the next TD never starts, and after a restart the data
     * continues exactly where the ring says it stopped.
     */
    @Test
    void stopEndpointWaitsForTheTdInFlightAndLosesNoData() throws Exception {
        plug(false);
        int slot = configured();
        long tag = cbw(slot, 8192, true, 0x28, 0, 0, 0, 0, 64, 0, 0, 16, 0);
        long first = XhciDriver.DATA;
        long second = XhciDriver.DATA + 0x10000;
        memory.hold();
        long td1 = driver.bulk(slot, BULK_IN, first, 4096);
        long td2 = driver.bulk(slot, BULK_IN, second, 4096);
        driver.doorbell(slot, BULK_IN);
        PciTestMachine.await("the device to claim TD 1", java.time.Duration.ofSeconds(5),
                () -> List.copyOf(memory.log).contains("read 32768 4096"));

        long stop = driver.issue(0, 0, 15 << 10 | slot << 24 | BULK_IN << 16);
        Thread.sleep(100);
        driver.poll();
        assertTrue(driver.events.stream().noneMatch(e -> e.parameter() == stop),
                "Stop Endpoint waits while the device moves TD 1's data");
        memory.release();

        Trb done = driver.transferEvent(slot, BULK_IN);
        assertEquals(td1, done.parameter());
        assertEquals(1, done.code(), "TD 1 completed, not cut off");
        assertEquals(1, driver.completionOf(stop).code());
        assertArrayEquals(blocks(64, 8), driver.memory(first, 4096));
        assertEquals(Endpoint.State.STOPPED.ordinal(), driver.endpointState(slot, BULK_IN));
        assertEquals(td2 | 1, driver.endpointDequeue(slot, BULK_IN), "the ring stopped on TD 2, which never ran");
        assertEquals(List.of("read 32768 4096"), List.copyOf(memory.log).stream().filter(l -> l.startsWith("read ")).toList());

        driver.doorbell(slot, BULK_IN);
        Trb resumed = driver.transferEvent(slot, BULK_IN);
        assertEquals(td2, resumed.parameter());
        assertArrayEquals(blocks(72, 8), driver.memory(second, 4096), "the data continues where the ring stopped");
        assertEquals(MassStorage.CSW_PASSED, csw(slot, tag, 0));
    }

    /** A TD the device keeps waiting (no data yet) is rolled back: reported as not moved, run again. */
    @Test
    void stopEndpointRollsBackAWaitingTdWhichThenRunsAgain() throws Exception {
        plug(false);
        int slot = configured();
        long buffer = XhciDriver.DATA;
        long td = driver.bulk(slot, BULK_IN, buffer, 512);
        driver.doorbell(slot, BULK_IN);

        Trb stopped = driver.command(0, 0, 15 << 10 | slot << 24 | BULK_IN << 16);
        assertEquals(1, stopped.code());
        Trb rolledBack = driver.transferEvent(slot, BULK_IN);
        assertEquals(CompletionCode.STOPPED_LENGTH_INVALID, rolledBack.code());
        assertEquals(td, rolledBack.parameter());
        assertEquals(td | 1, driver.endpointDequeue(slot, BULK_IN), "the dequeue pointer stays on the TD");

        long tag = cbw(slot, 512, true, 0x28, 0, 0, 0, 0, 5, 0, 0, 1, 0);
        driver.doorbell(slot, BULK_IN);
        Trb data = driver.transferEvent(slot, BULK_IN);
        assertEquals(td, data.parameter());
        assertEquals(1, data.code());
        assertArrayEquals(blocks(5, 1), driver.memory(buffer, 512));
        assertEquals(MassStorage.CSW_PASSED, csw(slot, tag, 0));
    }

    /** After a rollback the driver may move the dequeue pointer past the TD; the data goes to the next one. */
    @Test
    void setTrDequeuePointerSkipsARolledBackTd() throws Exception {
        plug(false);
        int slot = configured();
        long skipped = XhciDriver.DATA;
        long used = XhciDriver.DATA + 0x1000;
        driver.machine.bus().write(skipped, new byte[512], 0, 512);
        driver.bulk(slot, BULK_IN, skipped, 512);
        driver.doorbell(slot, BULK_IN);
        assertEquals(1, driver.command(0, 0, 15 << 10 | slot << 24 | BULK_IN << 16).code());
        assertEquals(CompletionCode.STOPPED_LENGTH_INVALID, driver.transferEvent(slot, BULK_IN).code());

        long next = driver.ringOf(slot, BULK_IN).next();
        Trb moved = driver.command(next, 0, 16 << 10 | slot << 24 | BULK_IN << 16);
        assertEquals(1, moved.code());
        assertEquals(next, driver.endpointDequeue(slot, BULK_IN));
        assertEquals(CompletionCode.CONTEXT_STATE_ERROR,
                driver.command(next, 0, 16 << 10 | slot << 24 | BULK_OUT << 16).code(),
                "a running endpoint's dequeue pointer cannot move");

        long tag = cbw(slot, 512, true, 0x28, 0, 0, 0, 0, 6, 0, 0, 1, 0);
        long td = driver.bulk(slot, BULK_IN, used, 512);
        driver.doorbell(slot, BULK_IN);
        assertEquals(td, driver.transferEvent(slot, BULK_IN).parameter());
        assertArrayEquals(blocks(6, 1), driver.memory(used, 512));
        assertArrayEquals(new byte[512], driver.memory(skipped, 512), "the skipped TD got nothing");
        assertEquals(MassStorage.CSW_PASSED, csw(slot, tag, 0));
    }

    /** An invalid CBW: both pipes stall; the driver recovers with BOT reset, CLEAR_FEATURE and Reset Endpoint. */
    @Test
    void aWrongCbwSignatureStallsUntilResetRecovery() throws Exception {
        plug(false);
        int slot = configured();
        long at = XhciDriver.DATA;
        byte[] bad = new byte[MassStorage.CBW_LENGTH];
        bad[0] = 'X';
        machine.bus().write(at, bad, 0, bad.length);
        long td = driver.bulk(slot, BULK_OUT, at, bad.length);
        driver.doorbell(slot, BULK_OUT);
        Trb stall = driver.transferEvent(slot, BULK_OUT);
        assertEquals(CompletionCode.STALL_ERROR, stall.code());
        assertEquals(td, stall.parameter());
        assertEquals(Endpoint.State.HALTED.ordinal(), driver.endpointState(slot, BULK_OUT));
        assertEquals(td | 1, driver.endpointDequeue(slot, BULK_OUT), "halted on the TRB that stalled");
        driver.doorbell(slot, BULK_OUT);
        Thread.sleep(20);
        driver.poll();
        assertTrue(driver.events.isEmpty(), "a halted endpoint ignores its doorbell");

        Trb maxLun = driver.control(slot, new SetupPacket(0xa1, MassStorage.GET_MAX_LUN, 0, 0, 1), at);
        assertEquals(1, maxLun.code());
        assertEquals(0, driver.memory(at, 1)[0]);
        assertEquals(1, driver.control(slot, new SetupPacket(0x21, MassStorage.BULK_ONLY_RESET, 0, 0, 0), 0).code());
        for (int dci : new int[] {BULK_OUT, BULK_IN}) {
            int address = dci == BULK_IN ? MassStorage.BULK_IN : MassStorage.BULK_OUT;
            assertEquals(1, driver.control(slot, new SetupPacket(0x02, UsbDevice.CLEAR_FEATURE, 0, address, 0), 0).code());
        }
        assertEquals(1, driver.command(0, 0, 14 << 10 | slot << 24 | BULK_OUT << 16).code(), "Reset Endpoint");
        assertEquals(Endpoint.State.STOPPED.ordinal(), driver.endpointState(slot, BULK_OUT));
        assertEquals(1, driver.command(driver.ringOf(slot, BULK_OUT).next(), 0,
                16 << 10 | slot << 24 | BULK_OUT << 16).code(), "Set TR Dequeue Pointer past the stalled TD");

        long tag = cbw(slot, 0, false, 0x00, 0, 0, 0, 0, 0);
        assertEquals(MassStorage.CSW_PASSED, csw(slot, tag, 0));
    }

    /** REQUEST SENSE after a failed command, through the rings, including the stall and its recovery. */
    @Test
    void requestSenseExplainsAFailedCommand() throws Exception {
        plug(false);
        int slot = configured();
        long tag = cbw(slot, 512, true, 0x28, 0, 0, 0, 0x10, 0, 0, 0, 1, 0);
        long buffer = XhciDriver.DATA;
        driver.bulk(slot, BULK_IN, buffer, 512);
        driver.doorbell(slot, BULK_IN);
        assertEquals(CompletionCode.STALL_ERROR, driver.transferEvent(slot, BULK_IN).code());
        assertEquals(1, driver.command(0, 0, 14 << 10 | slot << 24 | BULK_IN << 16).code());
        assertEquals(1, driver.command(driver.ringOf(slot, BULK_IN).next(), 0, 16 << 10 | slot << 24 | BULK_IN << 16)
                .code());
        assertEquals(1, driver.control(slot, new SetupPacket(0x02, UsbDevice.CLEAR_FEATURE, 0, MassStorage.BULK_IN, 0),
                0).code());
        assertEquals(MassStorage.CSW_FAILED, csw(slot, tag, 512));

        long senseTag = cbw(slot, 18, true, 0x03, 0, 0, 0, 18, 0);
        driver.bulk(slot, BULK_IN, buffer, 18);
        driver.doorbell(slot, BULK_IN);
        assertEquals(1, driver.transferEvent(slot, BULK_IN).code());
        byte[] sense = driver.memory(buffer, 18);
        assertEquals(0x70, sense[0] & 0x7f);
        assertEquals(0x05, sense[2]);
        assertEquals(0x21, sense[12]);
        assertEquals(MassStorage.CSW_PASSED, csw(slot, senseTag, 0));
    }

    /** An Event Data TRB reports the bytes moved in its TD; a short packet is reported there. */
    @Test
    void eventDataTrbsCarryTheBytesMoved() throws Exception {
        plug(false);
        int slot = configured();
        long tag = cbw(slot, 4096, true, 0x12, 0, 0, 0, 36, 0);
        XhciDriver.ProducerRing r = driver.ringOf(slot, BULK_IN);
        r.put(XhciDriver.DATA, 1024, 1 << 10 | 1 << 4 | 1 << 2);
        r.put(XhciDriver.DATA + 1024, 3072, 1 << 10 | 1 << 4 | 1 << 2);
        r.put(0x1234_5678_9abcL, 0, 7 << 10 | 1 << 5);
        driver.doorbell(slot, BULK_IN);
        Trb e = driver.transferEvent(slot, BULK_IN);
        assertEquals(0x1234_5678_9abcL, e.parameter());
        assertEquals(1 << 2, e.control() & 1 << 2, "ED: the parameter is Event Data");
        assertEquals(CompletionCode.SHORT_PACKET, e.code());
        assertEquals(36, e.length(), "EDTLA: the bytes moved");
        assertEquals(MassStorage.CSW_PASSED, csw(slot, tag, 4096 - 36));
    }

    /** HCRST with a slot configured and a read on the block layer: CNR until it is done, then a clean controller. */
    @Test
    void hcrstWithSlotsEnabledWaitsForTheBlockLayerAndStartsClean() throws Exception {
        plug(true);
        int slot = configured();
        cbw(slot, 4096, true, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0);
        memory.hold();
        driver.bulk(slot, BULK_IN, XhciDriver.DATA, 4096);
        driver.doorbell(slot, BULK_IN);
        PciTestMachine.await("the device to claim the TD", java.time.Duration.ofSeconds(5),
                () -> List.copyOf(memory.log).contains("read 0 4096"));

        driver.setReg(XhciController.USBCMD, XhciController.CMD_HCRST);
        assertTrue((driver.reg(XhciController.USBSTS) & XhciController.STS_CNR) != 0, "not ready while DMA is pending");
        assertTrue((driver.reg(XhciController.USBCMD) & XhciController.CMD_HCRST) != 0);
        memory.release();
        PciTestMachine.await("CNR to clear", java.time.Duration.ofSeconds(5),
                () -> (driver.reg(XhciController.USBSTS) & XhciController.STS_CNR) == 0);
        assertEquals(XhciController.STS_HCH, driver.reg(XhciController.USBSTS) & XhciController.STS_HCH);
        assertEquals(0, driver.reg(XhciController.CRCR) & CommandRing.CRR);
        assertTrue((driver.portsc(PORT) & RootPort.CSC) != 0, "the port reports the device anew");

        driver.events.clear();
        driver.start();
        assertEquals(1, driver.enableSlot(), "every slot was disabled: slot 1 is free again");
        assertEquals(1, driver.addressDevice(1, PORT, false).code());
        assertEquals(1, driver.configureBulk(1).code());
        long tag = cbw(1, 36, true, 0x12, 0, 0, 0, 36, 0);
        driver.bulk(1, BULK_IN, XhciDriver.DATA, 36);
        driver.doorbell(1, BULK_IN);
        assertEquals(1, driver.transferEvent(1, BULK_IN).code());
        assertEquals(MassStorage.CSW_PASSED, csw(1, tag, 0), "the device's BOT state was reset too");
    }

    @Test
    void commandsOnDisabledSlotsAndUnknownCommandsFail() throws Exception {
        plug(false);
        assertEquals(CompletionCode.SLOT_NOT_ENABLED, driver.command(0, 0, 15 << 10 | 3 << 24 | 1 << 16).code());
        assertEquals(CompletionCode.TRB_ERROR, driver.command(0, 0, 31 << 10).code());
        assertEquals(1, driver.command(0, 0, 23 << 10).code(), "No Op");
        int slot = driver.enableSlot();
        assertEquals(CompletionCode.CONTEXT_STATE_ERROR, driver.command(XhciDriver.INPUT_CONTEXT, 0,
                12 << 10 | slot << 24).code(), "Configure Endpoint before Address Device");
        assertEquals(CompletionCode.USB_TRANSACTION_ERROR, driver.addressDevice(slot, 1, false).code(),
                "nothing on port 1");
        assertEquals(1, driver.command(0, 0, 10 << 10 | slot << 24).code(), "Disable Slot");
    }
}
