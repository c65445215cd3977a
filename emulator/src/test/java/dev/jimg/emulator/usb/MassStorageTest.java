package dev.jimg.emulator.usb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.scsi.ScsiDisk;
import dev.jimg.emulator.testutil.MemoryNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The Bulk-Only Transport under a scripted host that hands transfers straight to the device: the
 * cases of BOT section 6.7 that apply to a disk, invalid CBWs and reset recovery, Get Max LUN, and
 * transfers the host takes back before the device claimed them.
 */
class MassStorageTest {
    private static final int BLOCKS = 256;

    private final MemoryNode memory = new MemoryNode(BLOCKS * 512, false);
    private MassStorage device;
    private int nextTag = 1;

    /** How a transfer ended, with the buffer it moved data through. */
    record Done(UsbTransfer.Status status, int actual, byte[] data) {
        boolean stalled() {
            return status == UsbTransfer.Status.STALL;
        }
    }

    /** A transfer in flight and its completion. */
    record Pending(UsbTransfer transfer, CompletableFuture<Done> done) {
        Done await() throws Exception {
            return done.get(5, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void connect() throws Exception {
        new Random(1).nextBytes(memory.data());
        device = new MassStorage(new ScsiDisk(memory, "JIMG", "JIMG HARDDISK", "7", false, false, w -> { }), "7",
                w -> { });
        device.connect(UsbSpeed.SUPER);
    }

    Pending submit(int endpoint, boolean in, SetupPacket setup, byte[] data) {
        CompletableFuture<Done> done = new CompletableFuture<>();
        UsbTransfer t = new UsbTransfer(endpoint, in, setup, TransferBuffer.of(data),
                (transfer, status, actual) -> done.complete(new Done(status, actual, data)));
        device.submit(t);
        return new Pending(t, done);
    }

    Done out(byte[] data) throws Exception {
        return submit(MassStorage.BULK_OUT, false, null, data).await();
    }

    Done in(int length) throws Exception {
        return submit(MassStorage.BULK_IN & 0xf, true, null, new byte[length]).await();
    }

    Done control(int requestType, int request, int value, int index, int length) throws Exception {
        return submit(0, (requestType & 0x80) != 0, new SetupPacket(requestType, request, value, index, length),
                new byte[length]).await();
    }

    void clearHalt(int endpoint) throws Exception {
        assertFalse(control(0x02, UsbDevice.CLEAR_FEATURE, UsbDevice.ENDPOINT_HALT, endpoint, 0).stalled());
    }

    static byte[] cbw(int tag, long hostLength, boolean in, int... cdb) {
        ByteBuffer b = ByteBuffer.allocate(MassStorage.CBW_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MassStorage.CBW_SIGNATURE).putInt(tag).putInt((int) hostLength).put((byte) (in ? 0x80 : 0))
                .put((byte) 0).put((byte) cdb.length);
        for (int c : cdb) {
            b.put((byte) c);
        }
        return b.array();
    }

    /** The CSW's tag, residue and status. */
    record Csw(int tag, long residue, int status) {
    }

    Csw csw() throws Exception {
        Done d = in(MassStorage.CSW_LENGTH);
        assertEquals(UsbTransfer.Status.COMPLETED, d.status());
        assertEquals(MassStorage.CSW_LENGTH, d.actual());
        ByteBuffer b = ByteBuffer.wrap(d.data()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(MassStorage.CSW_SIGNATURE, b.getInt(0));
        return new Csw(b.getInt(4), b.getInt(8) & 0xffff_ffffL, b.get(12));
    }

    int command(long hostLength, boolean in, int... cdb) throws Exception {
        int tag = nextTag++;
        Done d = out(cbw(tag, hostLength, in, cdb));
        assertEquals(UsbTransfer.Status.COMPLETED, d.status());
        assertEquals(MassStorage.CBW_LENGTH, d.actual());
        return tag;
    }

    @Test
    void aReadMovesItsBlocksAndPasses() throws Exception {
        int tag = command(4096, true, 0x28, 0, 0, 0, 0, 16, 0, 0, 8, 0);
        Done data = in(4096);
        assertEquals(4096, data.actual());
        assertArrayEquals(Arrays.copyOfRange(memory.data(), 16 * 512, 24 * 512), data.data());
        assertEquals(new Csw(tag, 0, MassStorage.CSW_PASSED), csw());
    }

    @Test
    void aWriteSpreadOverSeveralTransfersLandsInOrder() throws Exception {
        byte[] payload = new byte[3 * 512];
        new Random(2).nextBytes(payload);
        int tag = command(payload.length, false, 0x2a, 0, 0, 0, 0, 4, 0, 0, 3, 0);
        assertEquals(1000, out(Arrays.copyOfRange(payload, 0, 1000)).actual());
        assertEquals(536, out(Arrays.copyOfRange(payload, 1000, 1536)).actual());
        assertEquals(new Csw(tag, 0, MassStorage.CSW_PASSED), csw());
        assertArrayEquals(payload, Arrays.copyOfRange(memory.data(), 4 * 512, 7 * 512));
    }

    @Test
    void getMaxLunSaysOneLogicalUnit() throws Exception {
        Done d = control(0xa1, MassStorage.GET_MAX_LUN, 0, 0, 1);
        assertEquals(1, d.actual());
        assertEquals(0, d.data()[0]);
    }

    @Test
    void anInWaitsForDataAndAnUnclaimedOneRollsBack() throws Exception {
        Pending early = submit(1, true, null, new byte[512]);
        Thread.sleep(50);
        assertFalse(early.done().isDone(), "no CBW yet: the IN waits, as a NAKed IN would");
        assertTrue(early.transfer().cancel(), "not claimed: the host takes it back");

        int tag = command(512, true, 0x28, 0, 0, 0, 0, 9, 0, 0, 1, 0);
        Done data = in(512);
        assertArrayEquals(Arrays.copyOfRange(memory.data(), 9 * 512, 10 * 512), data.data(),
                "the data the cancelled IN did not carry goes to the next one");
        assertFalse(early.done().isDone(), "a cancelled transfer never completes");
        assertEquals(new Csw(tag, 0, MassStorage.CSW_PASSED), csw());
    }

    @Test
    void case4NoDataWhenTheHostExpectsSomeStallsTheInPipe() throws Exception {
        int tag = command(512, true, 0x00, 0, 0, 0, 0, 0);
        Done d = in(512);
        assertTrue(d.stalled());
        assertTrue(device.halted(MassStorage.BULK_IN));
        assertTrue(in(13).stalled(), "halted until the host clears it");
        clearHalt(MassStorage.BULK_IN);
        assertEquals(new Csw(tag, 512, MassStorage.CSW_PASSED), csw());
    }

    @Test
    void case5LessDataThanExpectedEndsWithAShortPacket() throws Exception {
        int tag = command(96, true, 0x12, 0, 0, 0, 36, 0);
        Done d = in(96);
        assertEquals(UsbTransfer.Status.COMPLETED, d.status());
        assertEquals(36, d.actual());
        assertEquals(new Csw(tag, 60, MassStorage.CSW_PASSED), csw());
    }

    @Test
    void case5DataEndingOnAPacketBoundaryStallsInstead() throws Exception {
        int tag = command(4096, true, 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0);
        Done d = in(4096);
        assertTrue(d.stalled());
        assertEquals(1024, d.actual(), "the data moved before the STALL");
        clearHalt(MassStorage.BULK_IN);
        assertEquals(new Csw(tag, 3072, MassStorage.CSW_PASSED), csw());
    }

    @Test
    void case7MoreDataThanExpectedIsAPhaseError() throws Exception {
        int tag = command(512, true, 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0);
        Done d = in(512);
        assertEquals(512, d.actual());
        assertArrayEquals(Arrays.copyOf(memory.data(), 512), d.data());
        assertEquals(new Csw(tag, 0, MassStorage.CSW_PHASE_ERROR), csw());
    }

    @Test
    void case10DataOutForAReadStallsTheOutPipeWithAPhaseError() throws Exception {
        int tag = command(512, false, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
        assertTrue(out(new byte[512]).stalled());
        clearHalt(MassStorage.BULK_OUT);
        assertEquals(new Csw(tag, 512, MassStorage.CSW_PHASE_ERROR), csw());
    }

    @Test
    void case13ATruncatedWriteIsNotPerformed() throws Exception {
        byte[] before = memory.data().clone();
        int tag = command(512, false, 0x2a, 0, 0, 0, 0, 0, 0, 0, 2, 0);
        assertEquals(512, out(new byte[512]).actual());
        assertEquals(new Csw(tag, 0, MassStorage.CSW_PHASE_ERROR), csw());
        assertArrayEquals(before, memory.data());
    }

    @Test
    void aFailedCommandIsExplainedByRequestSense() throws Exception {
        int tag = command(512, true, 0x28, 0, 0, 0, 0x10, 0, 0, 0, 1, 0);
        assertTrue(in(512).stalled(), "LBA out of range: no data");
        clearHalt(MassStorage.BULK_IN);
        assertEquals(new Csw(tag, 512, MassStorage.CSW_FAILED), csw());

        int senseTag = command(18, true, 0x03, 0, 0, 0, 18, 0);
        byte[] sense = in(18).data();
        assertEquals(0x70, sense[0] & 0x7f);
        assertEquals(0x05, sense[2], "ILLEGAL REQUEST");
        assertEquals(0x21, sense[12], "LOGICAL BLOCK ADDRESS OUT OF RANGE");
        assertEquals(new Csw(senseTag, 0, MassStorage.CSW_PASSED), csw());
    }

    /**
     * Repeated: the host sends the reset and the next CBW while the worker may still be in the
     * pump that stalled the previous transfer, and that pump once took the CBW up before the
     * reset had run (about one run in 25).
     */
    @RepeatedTest(200)
    void anInvalidCbwStallsBothPipesUntilResetRecovery() throws Exception {
        byte[] bad = cbw(9, 0, false, 0x00, 0, 0, 0, 0, 0);
        bad[0] ^= 1;
        assertTrue(out(bad).stalled(), "wrong signature");
        assertTrue(device.halted(MassStorage.BULK_IN));
        clearHalt(MassStorage.BULK_IN);
        clearHalt(MassStorage.BULK_OUT);
        assertTrue(out(cbw(10, 0, false, 0x00, 0, 0, 0, 0, 0)).stalled(),
                "CLEAR_FEATURE alone does not end the stall (BOT 6.6.1)");
        assertTrue(in(13).stalled());

        assertFalse(control(0x21, MassStorage.BULK_ONLY_RESET, 0, 0, 0).stalled());
        clearHalt(MassStorage.BULK_IN);
        clearHalt(MassStorage.BULK_OUT);
        int tag = command(0, false, 0x00, 0, 0, 0, 0, 0);
        assertEquals(new Csw(tag, 0, MassStorage.CSW_PASSED), csw());
    }

    @Test
    void aCbwOfTheWrongLengthIsNotValid() throws Exception {
        byte[] longer = Arrays.copyOf(cbw(3, 0, false, 0x00, 0, 0, 0, 0, 0), 32);
        assertTrue(out(longer).stalled());
        assertTrue(in(13).stalled());
    }

    @Test
    void aCbwForAnotherLunIsAPhaseError() throws Exception {
        byte[] raw = cbw(4, 0, false, 0x00, 0, 0, 0, 0, 0);
        raw[13] = 1;
        assertEquals(MassStorage.CBW_LENGTH, out(raw).actual());
        assertEquals(new Csw(4, 0, MassStorage.CSW_PHASE_ERROR), csw());
    }

    @Test
    void bulkOnlyResetAbandonsACommandMidway() throws Exception {
        command(4096, true, 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0);
        assertFalse(control(0x21, MassStorage.BULK_ONLY_RESET, 0, 0, 0).stalled());
        int tag = command(36, true, 0x12, 0, 0, 0, 36, 0);
        assertEquals(36, in(36).actual());
        assertEquals(new Csw(tag, 0, MassStorage.CSW_PASSED), csw());
    }

    @Test
    void describesItselfAsABulkOnlyScsiDeviceWithSuperSpeedEndpoints() throws Exception {
        Done dev = control(0x80, UsbDevice.GET_DESCRIPTOR, Descriptors.DEVICE << 8, 0, 18);
        assertEquals(0x0320, (dev.data()[2] & 0xff) | (dev.data()[3] & 0xff) << 8);
        assertEquals(9, dev.data()[7], "512-byte control packets at SuperSpeed");
        Done config = control(0x80, UsbDevice.GET_DESCRIPTOR, Descriptors.CONFIGURATION << 8, 0, 255);
        byte[] c = Arrays.copyOf(config.data(), config.actual());
        assertEquals(c.length, (c[2] & 0xff) | (c[3] & 0xff) << 8);
        assertEquals(9 + 9 + 2 * (7 + 6), c.length);
        assertEquals(0x08, c[9 + 5]);
        assertEquals(0x06, c[9 + 6]);
        assertEquals(0x50, c[9 + 7] & 0xff);
        assertEquals(1024, (c[18 + 4] & 0xff) | (c[18 + 5] & 0xff) << 8);
        Done bos = control(0x80, UsbDevice.GET_DESCRIPTOR, Descriptors.BOS << 8, 0, 5);
        assertEquals(Descriptors.BOS, bos.data()[1]);
        assertFalse(control(0x00, UsbDevice.SET_CONFIGURATION, 1, 0, 0).stalled());
        assertEquals(1, device.configuration());
        assertTrue(control(0x00, UsbDevice.SET_CONFIGURATION, 2, 0, 0).stalled());
    }
}
