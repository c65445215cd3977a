package dev.jimg.emulator.scsi;

import dev.jimg.block.BlockNode;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A SCSI direct-access block device (SBC-3) with 512-byte logical blocks over a {@link BlockNode}:
 * the logical unit a transport (USB Bulk-Only mass storage today) delivers commands to. The disk
 * knows nothing of the transport: {@link #decode} turns a CDB into a {@link ScsiCommand} that says
 * what data it wants to move, and the transport runs its data phase and finishes it.
 *
 * <h2>Commands</h2>
 * TEST UNIT READY, REQUEST SENSE, INQUIRY (standard data and VPD pages 00h, 80h, 83h, B0h, B1h,
 * B2h), MODE SENSE (6)/(10) (pages 08h and 0Ah), READ CAPACITY (10)/(16), READ and WRITE (6, 10,
 * 16), VERIFY (10)/(16), SYNCHRONIZE CACHE (10)/(16), UNMAP, START STOP UNIT, PREVENT ALLOW MEDIUM
 * REMOVAL and REPORT LUNS. Anything else fails with ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE.
 *
 * <h2>Sense data</h2>
 * A command that ends in CHECK CONDITION leaves its sense data pending; REQUEST SENSE returns it (in
 * fixed format) and clears it, and any other command except INQUIRY and REPORT LUNS discards it, as
 * SPC-4 (section 5.11) says for a device without autosense. One initiator is assumed (a USB device
 * has one host).
 *
 * <p>Thread safety: {@link #decode} and the commands may run on different threads; the disk's own
 * state (pending sense) is synchronised. Commands are independent of each other, so a transport
 * may run several at once.
 */
public final class ScsiDisk {
    public static final int BLOCK_SIZE = 512;
    /** UNMAP limits advertised in the Block Limits page: one parameter list of at most this many. */
    static final int MAX_UNMAP_DESCRIPTORS = 255;
    /** A 4 GiB discard at most per UNMAP (the count field is 32 bits of blocks; keep it moderate). */
    static final int MAX_UNMAP_BLOCKS = 1 << 23;

    static final int TEST_UNIT_READY = 0x00;
    static final int REQUEST_SENSE = 0x03;
    static final int READ_6 = 0x08;
    static final int WRITE_6 = 0x0a;
    static final int INQUIRY = 0x12;
    static final int MODE_SENSE_6 = 0x1a;
    static final int START_STOP_UNIT = 0x1b;
    static final int PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1e;
    static final int READ_CAPACITY_10 = 0x25;
    static final int READ_10 = 0x28;
    static final int WRITE_10 = 0x2a;
    static final int VERIFY_10 = 0x2f;
    static final int SYNCHRONIZE_CACHE_10 = 0x35;
    static final int UNMAP = 0x42;
    static final int MODE_SENSE_10 = 0x5a;
    static final int READ_16 = 0x88;
    static final int WRITE_16 = 0x8a;
    static final int VERIFY_16 = 0x8f;
    static final int SYNCHRONIZE_CACHE_16 = 0x91;
    static final int SERVICE_ACTION_IN_16 = 0x9e;
    static final int READ_CAPACITY_16 = 0x10;
    static final int REPORT_LUNS = 0xa0;

    /** READ CAPACITY (16) data is 32 bytes; byte 14 holds LBPME (7). */
    static final int CAPACITY_16_LENGTH = 32;
    static final int LBPME = 0x80;
    /** The FUA bit of READ/WRITE (10) and (16), byte 1. */
    static final int FUA = 0x08;

    private final BlockNode node;
    private final String vendor;
    private final String product;
    private final String serial;
    private final boolean readOnly;
    private final boolean removable;
    private final long blocks;
    private final MediumCommands medium;
    private Sense pendingSense = Sense.NO_SENSE;

    /**
     * @param serial    what VPD page 80h reports; a non-empty ASCII string
     * @param readOnly  whether writes fail with DATA PROTECT
     * @param removable whether INQUIRY reports removable media (RMB)
     * @param warnings  where failures of the block layer are reported (the initiator sees sense data)
     */
    public ScsiDisk(BlockNode node, String vendor, String product, String serial, boolean readOnly, boolean removable,
            Consumer<String> warnings) throws IOException {
        this.node = Objects.requireNonNull(node, "node");
        this.vendor = vendor;
        this.product = product;
        this.serial = serial.isEmpty() ? "0" : serial;
        this.readOnly = readOnly || node.isReadOnly();
        this.removable = removable;
        this.blocks = node.size() / BLOCK_SIZE;
        this.medium = new MediumCommands(this, node, warnings);
    }

    /** Decodes {@code cdb} into a command ready for its data phase. Never blocks. */
    public ScsiCommand decode(byte[] cdb) {
        if (cdb.length == 0) {
            throw new IllegalArgumentException("an empty CDB");
        }
        int opcode = cdb[0] & 0xff;
        if (opcode == REQUEST_SENSE) {
            return requestSense(cdb);
        }
        if (opcode != INQUIRY && opcode != REPORT_LUNS) {
            setSense(Sense.NO_SENSE);
        }
        return decodeOther(cdb, opcode).onFinish(status -> {
            if (!status.good()) {
                setSense(status.sense());
            }
        });
    }

    private ScsiCommand decodeOther(byte[] cdb, int opcode) {
        return switch (opcode) {
            case TEST_UNIT_READY, START_STOP_UNIT, PREVENT_ALLOW_MEDIUM_REMOVAL -> ScsiCommand.good(cdb);
            case INQUIRY -> inquiry(cdb);
            case MODE_SENSE_6 -> modeSense(cdb, false, Cdb.u8(cdb, 4));
            case MODE_SENSE_10 -> modeSense(cdb, true, Cdb.u16(cdb, 7));
            case READ_CAPACITY_10 -> ScsiCommand.returning(cdb, capacity10(), Integer.MAX_VALUE);
            case SERVICE_ACTION_IN_16 -> (cdb[1] & 0x1f) == READ_CAPACITY_16
                    ? ScsiCommand.returning(cdb, capacity16(), Cdb.u32(cdb, 10))
                    : ScsiCommand.failed(cdb, Sense.INVALID_FIELD_IN_CDB);
            case READ_6 -> transfer(cdb, Cdb.u24(cdb, 1) & 0x1f_ffff, sixByteCount(cdb), false);
            case WRITE_6 -> transfer(cdb, Cdb.u24(cdb, 1) & 0x1f_ffff, sixByteCount(cdb), true);
            case READ_10 -> transfer(cdb, Cdb.u32(cdb, 2), Cdb.u16(cdb, 7), false);
            case WRITE_10 -> transfer(cdb, Cdb.u32(cdb, 2), Cdb.u16(cdb, 7), true);
            case READ_16 -> transfer(cdb, Cdb.u64(cdb, 2), Cdb.u32(cdb, 10), false);
            case WRITE_16 -> transfer(cdb, Cdb.u64(cdb, 2), Cdb.u32(cdb, 10), true);
            case VERIFY_10 -> verify(cdb, Cdb.u32(cdb, 2), Cdb.u16(cdb, 7));
            case VERIFY_16 -> verify(cdb, Cdb.u64(cdb, 2), Cdb.u32(cdb, 10));
            case SYNCHRONIZE_CACHE_10, SYNCHRONIZE_CACHE_16 -> medium.synchronizeCache(cdb);
            case UNMAP -> readOnly ? ScsiCommand.failed(cdb, Sense.WRITE_PROTECTED) : medium.unmap(cdb, Cdb.u16(cdb, 7));
            case REPORT_LUNS -> reportLuns(cdb);
            default -> ScsiCommand.failed(cdb, Sense.INVALID_COMMAND_OPERATION_CODE);
        };
    }

    /** READ/WRITE (6): a transfer length of 0 means 256 blocks (SBC-3, 5.15). */
    private static long sixByteCount(byte[] cdb) {
        int n = Cdb.u8(cdb, 4);
        return n == 0 ? 256 : n;
    }

    private ScsiCommand transfer(byte[] cdb, long lba, long count, boolean write) {
        if (!inRange(lba, count)) {
            return ScsiCommand.failed(cdb, Sense.LBA_OUT_OF_RANGE);
        }
        if (write && readOnly) {
            return ScsiCommand.failed(cdb, Sense.WRITE_PROTECTED);
        }
        boolean fua = cdb.length >= 10 && (cdb[1] & FUA) != 0;
        return write ? medium.write(cdb, lba, count, fua) : medium.read(cdb, lba, count);
    }

    private ScsiCommand verify(byte[] cdb, long lba, long count) {
        if ((cdb[1] & 0x06) != 0) {
            return ScsiCommand.failed(cdb, Sense.INVALID_FIELD_IN_CDB); // BYTCHK: compare data is not supported
        }
        return inRange(lba, count) ? ScsiCommand.good(cdb) : ScsiCommand.failed(cdb, Sense.LBA_OUT_OF_RANGE);
    }

    private ScsiCommand requestSense(byte[] cdb) {
        if ((cdb[1] & 0x01) != 0) {
            return ScsiCommand.failed(cdb, Sense.INVALID_FIELD_IN_CDB); // DESC: only fixed format is supported
        }
        Sense sense;
        synchronized (this) {
            sense = pendingSense;
            pendingSense = Sense.NO_SENSE;
        }
        return ScsiCommand.returning(cdb, sense.fixedFormat(), Cdb.u8(cdb, 4));
    }

    private ScsiCommand inquiry(byte[] cdb) {
        boolean evpd = (cdb[1] & 0x01) != 0;
        int page = Cdb.u8(cdb, 2);
        int allocation = Cdb.u16(cdb, 3);
        if (!evpd) {
            return page != 0 ? ScsiCommand.failed(cdb, Sense.INVALID_FIELD_IN_CDB)
                    : ScsiCommand.returning(cdb, InquiryData.standard(vendor, product, "1.0", removable), allocation);
        }
        byte[] data = InquiryData.page(page, this);
        return data == null ? ScsiCommand.failed(cdb, Sense.INVALID_FIELD_IN_CDB)
                : ScsiCommand.returning(cdb, data, allocation);
    }

    private ScsiCommand modeSense(byte[] cdb, boolean ten, int allocation) {
        if (ModeSense.savedValuesRequested(cdb)) {
            return ScsiCommand.failed(cdb, Sense.SAVING_PARAMETERS_NOT_SUPPORTED);
        }
        byte[] data = ModeSense.build(cdb, ten, this);
        return data == null ? ScsiCommand.failed(cdb, Sense.INVALID_FIELD_IN_CDB)
                : ScsiCommand.returning(cdb, data, allocation);
    }

    /** READ CAPACITY (10): last LBA (0xffffffff when it does not fit) and block length. */
    private byte[] capacity10() {
        byte[] b = new byte[8];
        Cdb.putInt(b, 0, (int) Math.min(blocks - 1, 0xffff_ffffL));
        Cdb.putInt(b, 4, BLOCK_SIZE);
        return b;
    }

    /** READ CAPACITY (16): last LBA, block length, LBPME (UNMAP is supported, LBPRZ 0). */
    private byte[] capacity16() {
        byte[] b = new byte[CAPACITY_16_LENGTH];
        Cdb.putLong(b, 0, blocks - 1);
        Cdb.putInt(b, 8, BLOCK_SIZE);
        b[14] = (byte) LBPME;
        return b;
    }

    /** REPORT LUNS: one logical unit, LUN 0 (SPC-4, 6.33). */
    private ScsiCommand reportLuns(byte[] cdb) {
        byte[] b = new byte[16];
        Cdb.putInt(b, 0, 8);
        return ScsiCommand.returning(cdb, b, Cdb.u32(cdb, 6));
    }

    private synchronized void setSense(Sense sense) {
        pendingSense = sense;
    }

    /** Sense data the next REQUEST SENSE would return. */
    public synchronized Sense pendingSense() {
        return pendingSense;
    }

    /** A device reset (hard reset, bus reset): pending sense is lost. */
    public synchronized void reset() {
        pendingSense = Sense.NO_SENSE;
    }

    boolean inRange(long lba, long count) {
        return lba >= 0 && count >= 0 && lba <= blocks && count <= blocks - lba;
    }

    public long blocks() {
        return blocks;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** The write cache is on (WCE in the caching page): writes are durable after SYNCHRONIZE CACHE or FUA. */
    boolean writeCacheEnabled() {
        return true;
    }

    String vendor() {
        return vendor;
    }

    String product() {
        return product;
    }

    String serial() {
        return serial;
    }
}
