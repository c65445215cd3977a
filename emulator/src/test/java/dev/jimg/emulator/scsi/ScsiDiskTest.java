package dev.jimg.emulator.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.FilterNode;
import dev.jimg.emulator.testutil.MemoryNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SCSI disk as a transport sees it: CDBs in, data and status out, sense data kept for REQUEST
 * SENSE. Field offsets in the assertions are the ones SPC-4 and SBC-3 define.
 */
class ScsiDiskTest {
    private static final int BLOCKS = 2048;

    private final MemoryNode memory = new MemoryNode(BLOCKS * 512, false);
    private final List<String> warnings = new ArrayList<>();
    private final ScsiDisk disk = disk(memory, false);

    private ScsiDisk disk(dev.jimg.block.BlockNode node, boolean readOnly) {
        try {
            return new ScsiDisk(node, "JIMG", "JIMG HARDDISK", "SN-42", readOnly, false, warnings::add);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** What a command returned: its status and data-in bytes. */
    private record Outcome(ScsiStatus status, byte[] data) {
    }

    private static Outcome run(ScsiDisk disk, byte[] dataOut, int... cdbBytes) {
        byte[] cdb = new byte[cdbBytes.length];
        for (int i = 0; i < cdb.length; i++) {
            cdb[i] = (byte) cdbBytes[i];
        }
        ScsiCommand c = disk.decode(cdb);
        byte[] in = new byte[0];
        switch (c.direction()) {
            case IN -> {
                in = new byte[(int) c.length()];
                assertTrue(c.dataIn(0, ByteBuffer.wrap(in)));
            }
            case OUT -> {
                assertEquals(dataOut.length, c.length(), "the device wants the whole parameter list or data");
                assertTrue(c.dataOut(0, ByteBuffer.wrap(dataOut)));
            }
            case NONE -> {
            }
        }
        return new Outcome(c.finish(c.length()), in);
    }

    private Outcome run(int... cdb) {
        return run(disk, null, cdb);
    }

    private Sense requestSense() {
        Outcome o = run(ScsiDisk.REQUEST_SENSE, 0, 0, 0, 252, 0);
        assertTrue(o.status().good());
        assertEquals(Sense.FIXED_LENGTH, o.data().length);
        assertEquals(0x70, o.data()[0] & 0x7f, "current error, fixed format");
        assertEquals(10, o.data()[7], "additional sense length");
        long info = (o.data()[0] & 0x80) != 0 ? Cdb.u32(o.data(), 3) : -1;
        return new Sense(o.data()[2] & 0x0f, o.data()[12] & 0xff, o.data()[13] & 0xff, info);
    }

    @Test
    void inquiryDescribesAnSpc3DirectAccessDevice() {
        Outcome o = run(ScsiDisk.INQUIRY, 0, 0, 0, 36, 0);
        byte[] d = o.data();
        assertEquals(36, d.length);
        assertEquals(0, d[0], "peripheral type 0: direct access block device");
        assertEquals(5, d[2], "SPC-3");
        assertEquals(0x12, d[3], "response data format 2, HISUP");
        assertEquals(31, d[4]);
        assertEquals("JIMG    JIMG HARDDISK   1.0 ", new String(d, 8, 28, StandardCharsets.US_ASCII));
    }

    @Test
    void inquiryIsCutToTheAllocationLength() {
        assertEquals(5, run(ScsiDisk.INQUIRY, 0, 0, 0, 5, 0).data().length);
        assertEquals(0, run(ScsiDisk.INQUIRY, 0, 0, 0, 0, 0).data().length);
    }

    @Test
    void vpdPagesListTheSerialAndAdvertiseUnmap() {
        byte[] supported = run(ScsiDisk.INQUIRY, 1, 0x00, 0, 255, 0).data();
        assertEquals(6, supported[3]);
        assertArrayEquals(new byte[] {0x00, (byte) 0x80, (byte) 0x83, (byte) 0xb0, (byte) 0xb1, (byte) 0xb2},
                Arrays.copyOfRange(supported, 4, 10));

        byte[] serial = run(ScsiDisk.INQUIRY, 1, 0x80, 0, 255, 0).data();
        assertEquals("SN-42", new String(serial, 4, serial[3], StandardCharsets.US_ASCII));

        byte[] id = run(ScsiDisk.INQUIRY, 1, 0x83, 0, 255, 0).data();
        assertEquals(0x02, id[4], "ASCII code set");
        assertEquals(0x01, id[5], "T10 vendor ID designator");
        assertEquals("JIMG    JIMG HARDDISK SN-42", new String(id, 8, id[7], StandardCharsets.US_ASCII));

        byte[] limits = run(ScsiDisk.INQUIRY, 1, 0xb0, 0, 255, 0).data();
        assertEquals(0x3c, Cdb.u16(limits, 2), "block limits page length");
        assertEquals(ScsiDisk.MAX_UNMAP_BLOCKS, Cdb.u32(limits, 20), "MAXIMUM UNMAP LBA COUNT");
        assertEquals(ScsiDisk.MAX_UNMAP_DESCRIPTORS, Cdb.u32(limits, 24), "MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT");

        byte[] characteristics = run(ScsiDisk.INQUIRY, 1, 0xb1, 0, 255, 0).data();
        assertEquals(1, Cdb.u16(characteristics, 4), "non-rotating medium");

        byte[] provisioning = run(ScsiDisk.INQUIRY, 1, 0xb2, 0, 255, 0).data();
        assertEquals(0x80, provisioning[5] & 0x80, "LBPU: UNMAP supported");
    }

    @Test
    void anUnknownVpdPageIsAnInvalidFieldInTheCdb() {
        assertEquals(ScsiStatus.CHECK_CONDITION, run(ScsiDisk.INQUIRY, 1, 0xc7, 0, 255, 0).status().code());
        assertEquals(Sense.INVALID_FIELD_IN_CDB, requestSense());
    }

    @Test
    void readCapacityReportsTheLastLbaAndBlockLength() {
        byte[] ten = run(ScsiDisk.READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0).data();
        assertEquals(BLOCKS - 1, Cdb.u32(ten, 0));
        assertEquals(512, Cdb.u32(ten, 4));

        byte[] sixteen = run(ScsiDisk.SERVICE_ACTION_IN_16, ScsiDisk.READ_CAPACITY_16, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 32, 0, 0).data();
        assertEquals(32, sixteen.length);
        assertEquals(BLOCKS - 1, Cdb.u64(sixteen, 0));
        assertEquals(512, Cdb.u32(sixteen, 8));
        assertEquals(0x80, sixteen[14] & 0xc0, "LBPME set, LBPRZ clear");
    }

    @Test
    void writesAndReadsMoveBlocksThroughTheNode() {
        byte[] data = new byte[3 * 512];
        new Random(5).nextBytes(data);
        assertTrue(run(disk, data, ScsiDisk.WRITE_10, 0, 0, 0, 0, 100, 0, 0, 3, 0).status().good());
        assertArrayEquals(data, Arrays.copyOfRange(memory.data(), 100 * 512, 103 * 512));

        assertArrayEquals(data, run(ScsiDisk.READ_10, 0, 0, 0, 0, 100, 0, 0, 3, 0).data());
        assertArrayEquals(data, run(ScsiDisk.READ_16, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 3, 0, 0).data());
        assertArrayEquals(Arrays.copyOf(data, 512), run(ScsiDisk.READ_6, 0, 0, 100, 1, 0).data());
    }

    @Test
    void theDataPhaseMayArriveInPieces() {
        byte[] data = new byte[8 * 512];
        new Random(9).nextBytes(data);
        ScsiCommand write = disk.decode(new byte[] {ScsiDisk.WRITE_10, 0, 0, 0, 0, 8, 0, 0, 8, 0});
        assertTrue(write.dataOut(0, ByteBuffer.wrap(data, 0, 1000)));
        assertTrue(write.dataOut(1000, ByteBuffer.wrap(data, 1000, data.length - 1000)));
        assertTrue(write.finish(data.length).good());
        assertEquals(List.of("write 4096 1000", "write 5096 3096"), List.copyOf(memory.log));
        assertArrayEquals(data, Arrays.copyOfRange(memory.data(), 4096, 4096 + data.length));
    }

    @Test
    void forceUnitAccessAndSynchronizeCacheFlushTheNode() {
        run(disk, new byte[512], ScsiDisk.WRITE_10, ScsiDisk.FUA, 0, 0, 0, 1, 0, 0, 1, 0);
        assertEquals(List.of("write 512 512", "flush"), List.copyOf(memory.log));
        assertTrue(run(ScsiDisk.SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0).status().good());
        assertEquals("flush", List.copyOf(memory.log).getLast());
    }

    @Test
    void aReadBeyondTheEndFailsAndRequestSenseSaysWhyOnce() {
        Outcome o = run(ScsiDisk.READ_10, 0, 0, 0, 0x07, 0xff, 0, 0, 2, 0);
        assertEquals(ScsiStatus.CHECK_CONDITION, o.status().code());
        assertEquals(Sense.LBA_OUT_OF_RANGE, o.status().sense());
        assertTrue(List.copyOf(memory.log).isEmpty(), "nothing reaches the node");
        assertEquals(Sense.LBA_OUT_OF_RANGE, requestSense());
        assertEquals(Sense.NO_SENSE, requestSense(), "REQUEST SENSE clears the sense data");
    }

    @Test
    void anotherCommandDiscardsPendingSenseButInquiryKeepsIt() {
        run(ScsiDisk.READ_10, 0, 0, 0, 0x08, 0x00, 0, 0, 1, 0);
        run(ScsiDisk.INQUIRY, 0, 0, 0, 36, 0);
        assertEquals(Sense.LBA_OUT_OF_RANGE, disk.pendingSense());
        run(ScsiDisk.TEST_UNIT_READY, 0, 0, 0, 0, 0);
        assertEquals(Sense.NO_SENSE, requestSense());
    }

    @Test
    void aFailingNodeIsAMediumErrorNamingTheLba() {
        ScsiDisk failing = disk(new FilterNode(memory) {
            @Override
            public void read(long offset, ByteBuffer dst) throws IOException {
                throw new IOException("injected");
            }
        }, false);
        ScsiCommand read = failing.decode(new byte[] {ScsiDisk.READ_10, 0, 0, 0, 0, 77, 0, 0, 1, 0});
        assertFalse(read.dataIn(0, ByteBuffer.allocate(512)));
        ScsiStatus status = read.finish(512);
        assertEquals(Sense.readError(77), status.sense());
        assertEquals(1, warnings.size());
        byte[] sense = Sense.readError(77).fixedFormat();
        assertEquals(0xf0, sense[0] & 0xff, "VALID set: INFORMATION holds the LBA");
        assertEquals(77, Cdb.u32(sense, 3));
        assertEquals(0x03, sense[2]);
        assertEquals(0x11, sense[12]);
    }

    @Test
    void aFailingFlushIsAWriteErrorAtTheLbaForFuaAndWithoutOneForSynchronizeCache() {
        ScsiDisk failing = disk(new FilterNode(memory) {
            @Override
            public void flush() throws IOException {
                throw new IOException("injected");
            }
        }, false);
        Outcome fua = run(failing, new byte[512], ScsiDisk.WRITE_10, ScsiDisk.FUA, 0, 0, 0, 9, 0, 0, 1, 0);
        assertEquals(Sense.writeError(9), fua.status().sense());
        Outcome sync = run(failing, null, ScsiDisk.SYNCHRONIZE_CACHE_10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertEquals(Sense.writeError(-1), sync.status().sense());
        assertEquals(2, warnings.size(), () -> String.join("\n", warnings));
    }

    @Test
    void aReadOnlyDiskRefusesWritesAndUnmapAndSaysSoInModeSense() {
        ScsiDisk ro = disk(memory, true);
        assertEquals(Sense.WRITE_PROTECTED, run(ro, null, ScsiDisk.WRITE_10, 0, 0, 0, 0, 0, 0, 0, 1, 0).status().sense());
        assertEquals(Sense.WRITE_PROTECTED, run(ro, null, ScsiDisk.UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0).status().sense());
        byte[] mode = run(ro, null, ScsiDisk.MODE_SENSE_6, 0, 0x3f, 0, 192, 0).data();
        assertEquals(0x80, mode[2] & 0x80, "WP");
    }

    @Test
    void modeSenseReturnsTheCachingPageWithABlockDescriptor() {
        byte[] six = run(ScsiDisk.MODE_SENSE_6, 0, 0x08, 0, 192, 0).data();
        assertEquals(six.length - 1, six[0]);
        assertEquals(0x10, six[2], "not write protected, DPOFUA");
        assertEquals(8, six[3], "one block descriptor");
        assertEquals(BLOCKS, Cdb.u24(six, 5));
        assertEquals(512, Cdb.u24(six, 9));
        assertEquals(0x08, six[12], "caching page");
        assertEquals(18, six[13]);
        assertEquals(0x04, six[14] & 0x04, "WCE");

        byte[] ten = run(ScsiDisk.MODE_SENSE_10, 0x08, 0x3f, 0, 0, 0, 0, 0x01, 0x00, 0).data();
        assertEquals(ten.length - 2, Cdb.u16(ten, 0));
        assertEquals(0, Cdb.u16(ten, 6), "DBD: no block descriptor");
        assertEquals(0x08, ten[8], "caching page first");
        assertEquals(0x0a, ten[8 + 20], "then the control page");

        assertEquals(Sense.SAVING_PARAMETERS_NOT_SUPPORTED,
                run(ScsiDisk.MODE_SENSE_6, 0, 0xc8, 0, 192, 0).status().sense());
        assertEquals(Sense.INVALID_FIELD_IN_CDB, run(ScsiDisk.MODE_SENSE_6, 0, 0x19, 0, 192, 0).status().sense());
    }

    @Test
    void unmapDiscardsEveryDescribedRange() {
        byte[] list = new byte[8 + 32];
        Cdb.putShort(list, 0, list.length - 2);
        Cdb.putShort(list, 2, 32);
        Cdb.putLong(list, 8, 10);
        Cdb.putInt(list, 16, 4);
        Cdb.putLong(list, 24, 1000);
        Cdb.putInt(list, 32, 48);
        assertTrue(run(disk, list, ScsiDisk.UNMAP, 0, 0, 0, 0, 0, 0, 0, list.length, 0).status().good());
        assertEquals(List.of("discard 5120 2048", "discard 512000 24576"), List.copyOf(memory.log));

        Cdb.putLong(list, 24, BLOCKS);
        assertEquals(Sense.LBA_OUT_OF_RANGE,
                run(disk, list, ScsiDisk.UNMAP, 0, 0, 0, 0, 0, 0, 0, list.length, 0).status().sense());
        assertEquals(2, List.copyOf(memory.log).size(), "a list with a bad range discards nothing");
    }

    @Test
    void unknownCommandsAreInvalidOperationCodes() {
        assertEquals(Sense.INVALID_COMMAND_OPERATION_CODE, run(0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).status().sense());
        assertEquals(Sense.INVALID_COMMAND_OPERATION_CODE, requestSense());
    }

    @Test
    void reportLunsNamesLunZero() {
        byte[] d = run(ScsiDisk.REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0).data();
        assertEquals(8, Cdb.u32(d, 0));
        assertEquals(0, Cdb.u64(d, 8));
    }
}
