package dev.jimg.emulator.ata;

import static dev.jimg.emulator.ata.AtaResult.ERROR_ABRT;
import static dev.jimg.emulator.ata.AtaResult.ERROR_IDNF;
import static dev.jimg.emulator.ata.AtaResult.ERROR_UNC;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * A SATA hard disk over a {@link BlockNode}: the ATA command set (ATA8-ACS) as a host controller
 * hands it commands, independent of the controller. {@link #execute} runs one command to its end
 * on the calling thread; queued commands (NCQ) run concurrently, each on its own thread.
 *
 * <p>Commands, with their opcodes (ATA8-ACS chapter 7; NCQ in Serial ATA 3.x section 13.6):
 * <pre>
 *   06 DATA SET MANAGEMENT (TRIM)       DMA out    discards LBA ranges
 *   20/24 READ SECTORS (EXT)            PIO in     29/.. READ MULTIPLE: not supported
 *   25 READ DMA EXT, C8 READ DMA        DMA in
 *   30/34 WRITE SECTORS (EXT)           PIO out
 *   35 WRITE DMA EXT, CA WRITE DMA, 3D WRITE DMA FUA EXT   DMA out
 *   2F READ LOG EXT                     PIO in     logs 00h (directory) and 10h (NCQ command error)
 *   40/42 READ VERIFY SECTORS (EXT)     non-data
 *   60 READ FPDMA QUEUED, 61 WRITE FPDMA QUEUED           queued, count in features, tag in count 7:3
 *   90 EXECUTE DEVICE DIAGNOSTIC, E0-E3/E6 power management, E5 CHECK POWER MODE   non-data
 *   E7 FLUSH CACHE, EA FLUSH CACHE EXT  non-data
 *   EC IDENTIFY DEVICE                  PIO in
 *   EF SET FEATURES: 02/82 write cache on/off, 03 transfer mode, others accepted and ignored
 * </pre>
 * Anything else is aborted (status ERR, error ABRT), as a disk does with commands it lacks.
 *
 * <p>Errors: an address beyond the disk is IDNF; a block-layer failure is UNC for reads and ABRT
 * for writes, and is reported through {@code warnings} as well, since the guest sees only a
 * medium error.
 */
public final class AtaDisk {
    public static final int SECTOR = 512;

    public static final int DATA_SET_MANAGEMENT = 0x06;
    public static final int READ_SECTORS = 0x20;
    public static final int READ_SECTORS_EXT = 0x24;
    public static final int READ_DMA_EXT = 0x25;
    public static final int READ_LOG_EXT = 0x2f;
    public static final int WRITE_SECTORS = 0x30;
    public static final int WRITE_SECTORS_EXT = 0x34;
    public static final int WRITE_DMA_EXT = 0x35;
    public static final int WRITE_DMA_FUA_EXT = 0x3d;
    public static final int READ_VERIFY_SECTORS = 0x40;
    public static final int READ_VERIFY_SECTORS_EXT = 0x42;
    public static final int READ_FPDMA_QUEUED = 0x60;
    public static final int WRITE_FPDMA_QUEUED = 0x61;
    public static final int EXECUTE_DEVICE_DIAGNOSTIC = 0x90;
    public static final int READ_DMA = 0xc8;
    public static final int WRITE_DMA = 0xca;
    public static final int STANDBY_IMMEDIATE = 0xe0;
    public static final int IDLE_IMMEDIATE = 0xe1;
    public static final int STANDBY = 0xe2;
    public static final int IDLE = 0xe3;
    public static final int CHECK_POWER_MODE = 0xe5;
    public static final int SLEEP = 0xe6;
    public static final int FLUSH_CACHE = 0xe7;
    public static final int FLUSH_CACHE_EXT = 0xea;
    public static final int IDENTIFY_DEVICE = 0xec;
    public static final int SET_FEATURES = 0xef;

    /** SET FEATURES subcommands (features 7:0). */
    static final int FEATURE_ENABLE_WRITE_CACHE = 0x02;
    static final int FEATURE_TRANSFER_MODE = 0x03;
    static final int FEATURE_DISABLE_WRITE_CACHE = 0x82;
    /** DATA SET MANAGEMENT features bit 0: the ranges are to be trimmed. */
    static final int DSM_TRIM = 0x01;
    /** Each DSM range entry: LBA 47:0 and a 16-bit sector count. */
    private static final int DSM_ENTRY = 8;
    static final int LOG_DIRECTORY = 0x00;
    static final int LOG_NCQ_ERROR = 0x10;
    /** Log 10h byte 0 bit 7: the last error was not in a queued command. */
    private static final int LOG_NCQ_NQ = 0x80;
    /** CHECK POWER MODE's count when the device is active or idle. */
    private static final int POWER_MODE_ACTIVE = 0xff;
    /** The ATA device signature (ATA8-ACS table 206): count 01h, LBA 000001h. */
    public static final int SIGNATURE_COUNT = 1;
    public static final long SIGNATURE_LBA = 1;
    /** The default mode a SATA disk runs in before SET FEATURES: UDMA 5. */
    private static final int DEFAULT_TRANSFER_MODE = 0x45;

    private final BlockNode node;
    private final String serial;
    private final String model;
    private final boolean readOnly;
    private final long sectors;
    private final Consumer<String> warnings;
    private volatile boolean writeCache = true;
    private volatile int transferMode = DEFAULT_TRANSFER_MODE;
    private final Object errorLog = new Object();
    /** Log page 10h as it will be read: the last queued command that failed, or NQ. */
    private byte[] ncqError = ncqLog(LOG_NCQ_NQ, 0, 0, 0, 0);

    /**
     * @param serial   the serial number IDENTIFY reports (at most 20 characters are kept)
     * @param readOnly whether writes are refused
     */
    public AtaDisk(BlockNode node, String serial, String model, boolean readOnly, Consumer<String> warnings)
            throws IOException {
        this.node = node;
        this.serial = serial;
        this.model = model;
        this.readOnly = readOnly || node.isReadOnly();
        this.sectors = node.size() / SECTOR;
        this.warnings = warnings;
    }

    public long sectors() {
        return sectors;
    }

    /** Power-on or hardware reset: settings back to defaults, as COMRESET does to a disk. */
    public void reset() {
        writeCache = true;
        transferMode = DEFAULT_TRANSFER_MODE;
    }

    /** How {@code tf}'s command moves data; unknown commands are non-data (and get aborted). */
    public AtaProtocol protocol(TaskFile tf) {
        return switch (tf.command()) {
            case READ_SECTORS, READ_SECTORS_EXT, READ_LOG_EXT, IDENTIFY_DEVICE -> AtaProtocol.PIO_IN;
            case WRITE_SECTORS, WRITE_SECTORS_EXT -> AtaProtocol.PIO_OUT;
            case READ_DMA, READ_DMA_EXT -> AtaProtocol.DMA_IN;
            case WRITE_DMA, WRITE_DMA_EXT, WRITE_DMA_FUA_EXT, DATA_SET_MANAGEMENT -> AtaProtocol.DMA_OUT;
            case READ_FPDMA_QUEUED -> AtaProtocol.FPDMA_IN;
            case WRITE_FPDMA_QUEUED -> AtaProtocol.FPDMA_OUT;
            default -> AtaProtocol.NON_DATA;
        };
    }

    /** Bytes {@code tf}'s command moves through the host buffer. */
    public long transferLength(TaskFile tf) {
        return switch (tf.command()) {
            case READ_SECTORS, WRITE_SECTORS, READ_DMA, WRITE_DMA -> (long) tf.count28() * SECTOR;
            case READ_SECTORS_EXT, WRITE_SECTORS_EXT, READ_DMA_EXT, WRITE_DMA_EXT, WRITE_DMA_FUA_EXT ->
                    (long) tf.count48() * SECTOR;
            case READ_FPDMA_QUEUED, WRITE_FPDMA_QUEUED -> (long) tf.fpdmaCount() * SECTOR;
            case IDENTIFY_DEVICE -> SECTOR;
            case READ_LOG_EXT, DATA_SET_MANAGEMENT -> (long) (tf.count() & 0xffff) * SECTOR;
            default -> 0;
        };
    }

    /** Runs {@code tf}'s command, moving its data through {@code buffer}. */
    public AtaResult execute(TaskFile tf, HostBuffer buffer) throws IOException {
        AtaResult result = switch (tf.command()) {
            case READ_SECTORS, READ_DMA -> read(tf.lba28(), tf.count28(), buffer);
            case READ_SECTORS_EXT, READ_DMA_EXT -> read(tf.lba(), tf.count48(), buffer);
            case READ_FPDMA_QUEUED -> read(tf.lba(), tf.fpdmaCount(), buffer);
            case WRITE_SECTORS, WRITE_DMA -> write(tf.lba28(), tf.count28(), buffer, false);
            case WRITE_SECTORS_EXT, WRITE_DMA_EXT -> write(tf.lba(), tf.count48(), buffer, false);
            case WRITE_DMA_FUA_EXT -> write(tf.lba(), tf.count48(), buffer, true);
            case WRITE_FPDMA_QUEUED -> write(tf.lba(), tf.fpdmaCount(), buffer, (tf.device() & TaskFile.DEVICE_FUA) != 0);
            case READ_VERIFY_SECTORS -> verify(tf.lba28(), tf.count28());
            case READ_VERIFY_SECTORS_EXT -> verify(tf.lba(), tf.count48());
            case DATA_SET_MANAGEMENT -> dataSetManagement(tf, buffer);
            case FLUSH_CACHE, FLUSH_CACHE_EXT -> flush();
            case IDENTIFY_DEVICE -> identify(buffer);
            case READ_LOG_EXT -> readLog(tf, buffer);
            case SET_FEATURES -> setFeatures(tf);
            case CHECK_POWER_MODE -> new AtaResult(AtaResult.STATUS_READY, 0, 0, POWER_MODE_ACTIVE, 0);
            case EXECUTE_DEVICE_DIAGNOSTIC -> new AtaResult(AtaResult.STATUS_READY, 0x01, SIGNATURE_LBA,
                    SIGNATURE_COUNT, 0);
            case STANDBY_IMMEDIATE, IDLE_IMMEDIATE, STANDBY, IDLE, SLEEP -> AtaResult.ok(0);
            default -> AtaResult.aborted();
        };
        if (result.failed() && protocol(tf).queued()) {
            recordQueuedError(tf, result);
        }
        return result;
    }

    private AtaResult read(long lba, int count, HostBuffer buffer) {
        if (!inRange(lba, count)) {
            return AtaResult.failed(ERROR_IDNF, lba);
        }
        long base = lba * SECTOR;
        try {
            buffer.toHost(0, (long) count * SECTOR, (piece, position) -> node.read(base + position, piece));
            return AtaResult.ok((long) count * SECTOR);
        } catch (IOException | ImageException e) {
            warnings.accept("ata: read of " + count + " sectors at LBA " + lba + " of " + node.filename() + " failed: "
                    + e.getMessage());
            return AtaResult.failed(ERROR_UNC, lba);
        }
    }

    private AtaResult write(long lba, int count, HostBuffer buffer, boolean forceUnitAccess) {
        if (readOnly) {
            return AtaResult.failed(ERROR_ABRT, lba);
        }
        if (!inRange(lba, count)) {
            return AtaResult.failed(ERROR_IDNF, lba);
        }
        long base = lba * SECTOR;
        try {
            buffer.fromHost(0, (long) count * SECTOR, (piece, position) -> node.write(base + position, piece));
            if (forceUnitAccess || !writeCache) {
                node.flush();
            }
            return AtaResult.ok((long) count * SECTOR);
        } catch (IOException | ImageException e) {
            warnings.accept("ata: write of " + count + " sectors at LBA " + lba + " of " + node.filename() + " failed: "
                    + e.getMessage());
            return AtaResult.failed(ERROR_ABRT, lba);
        }
    }

    private AtaResult verify(long lba, int count) {
        return inRange(lba, count) ? AtaResult.ok(0) : AtaResult.failed(ERROR_IDNF, lba);
    }

    private AtaResult flush() {
        try {
            node.flush();
            return AtaResult.ok(0);
        } catch (IOException | ImageException e) {
            warnings.accept("ata: flush of " + node.filename() + " failed: " + e.getMessage());
            return AtaResult.aborted();
        }
    }

    /** TRIM: each 8-byte entry of the range list is LBA 47:0 and a count in bits 63:48; count 0 ends nothing, it is skipped. */
    private AtaResult dataSetManagement(TaskFile tf, HostBuffer buffer) throws IOException {
        int blocks = tf.count() & 0xffff;
        if ((tf.features() & DSM_TRIM) == 0 || blocks == 0 || readOnly) {
            return AtaResult.aborted();
        }
        ByteBuffer ranges = ByteBuffer.wrap(buffer.copyFromHost(blocks * SECTOR)).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < ranges.capacity(); at += DSM_ENTRY) {
            long entry = ranges.getLong(at);
            long lba = entry & 0xffff_ffff_ffffL;
            int count = (int) (entry >>> 48);
            if (count == 0) {
                continue;
            }
            if (!inRange(lba, count)) {
                return AtaResult.failed(ERROR_IDNF, lba);
            }
            try {
                node.discard(lba * SECTOR, (long) count * SECTOR);
            } catch (IOException | ImageException e) {
                warnings.accept("ata: trim of " + count + " sectors at LBA " + lba + " of " + node.filename()
                        + " failed: " + e.getMessage());
                return AtaResult.failed(ERROR_ABRT, lba);
            }
        }
        return AtaResult.ok((long) blocks * SECTOR);
    }

    private AtaResult identify(HostBuffer buffer) throws IOException {
        buffer.copyToHost(identifyData());
        return AtaResult.ok(SECTOR);
    }

    /** The IDENTIFY DEVICE data as the disk would return it now. */
    public byte[] identifyData() {
        return IdentifyData.build(sectors, serial, "2.5+", model, writeCache, transferMode);
    }

    private AtaResult setFeatures(TaskFile tf) {
        switch (tf.features() & 0xff) {
            case FEATURE_ENABLE_WRITE_CACHE -> writeCache = true;
            case FEATURE_DISABLE_WRITE_CACHE -> writeCache = false;
            case FEATURE_TRANSFER_MODE -> {
                int mode = tf.count() & 0xff;
                boolean valid = (mode & 0xf8) == 0x40 && (mode & 7) <= 5 // UDMA 0..5
                        || (mode & 0xf8) == 0x20 && (mode & 7) <= 2 // multiword DMA 0..2
                        || (mode & 0xf0) == 0x00 || (mode & 0xf8) == 0x08; // PIO default / flow control
                if (!valid) {
                    return AtaResult.aborted();
                }
                if ((mode & 0xf8) == 0x40 || (mode & 0xf8) == 0x20) {
                    transferMode = mode;
                }
            }
            default -> {
                // SATA feature switches, APM, read look-ahead ...: nothing to change in an emulated disk.
            }
        }
        return AtaResult.ok(0);
    }

    /**
     * READ LOG EXT: log address in LBA 7:0, page in LBA 15:8, page count in count. The directory
     * lists log 10h, one page; log 10h returns the last queued error and then forgets it, as the
     * device leaves its NCQ error state when the host reads it (Serial ATA 3.x, section 13.7.4).
     */
    private AtaResult readLog(TaskFile tf, HostBuffer buffer) throws IOException {
        int log = (int) (tf.lba() & 0xff);
        int page = (int) ((tf.lba() >>> 8) & 0xff);
        int pages = tf.count() & 0xffff;
        byte[] data;
        if (log == LOG_DIRECTORY && page == 0 && pages >= 1) {
            data = new byte[SECTOR];
            data[0] = 1; // general purpose log version 1
            data[2 * LOG_NCQ_ERROR] = 1;
        } else if (log == LOG_NCQ_ERROR && page == 0 && pages >= 1) {
            synchronized (errorLog) {
                data = ncqError;
                ncqError = ncqLog(LOG_NCQ_NQ, 0, 0, 0, 0);
            }
        } else {
            return AtaResult.aborted();
        }
        buffer.copyToHost(data);
        return AtaResult.ok(SECTOR);
    }

    private void recordQueuedError(TaskFile tf, AtaResult result) {
        byte[] page = ncqLog(tf.fpdmaTag(), result.status(), result.error(), result.lba(), tf.count());
        synchronized (errorLog) {
            ncqError = page;
        }
    }

    /**
     * Log page 10h (Serial ATA 3.x, section 13.7.4): byte 0 tag (4:0) or NQ (7); 2 status; 3 error;
     * 4-6 LBA 23:0; 7 device; 8-10 LBA 47:24; 12-13 count; 511 checksum making the page sum to 0.
     */
    private static byte[] ncqLog(int tagOrNq, int status, int error, long lba, int count) {
        byte[] page = new byte[SECTOR];
        page[0] = (byte) tagOrNq;
        page[2] = (byte) status;
        page[3] = (byte) error;
        for (int i = 0; i < 3; i++) {
            page[4 + i] = (byte) (lba >>> (8 * i));
            page[8 + i] = (byte) (lba >>> (24 + 8 * i));
        }
        page[7] = (byte) TaskFile.DEVICE_LBA;
        page[12] = (byte) count;
        page[13] = (byte) (count >>> 8);
        int sum = 0;
        for (int i = 0; i < SECTOR - 1; i++) {
            sum += page[i];
        }
        page[SECTOR - 1] = (byte) -sum;
        return page;
    }

    private boolean inRange(long lba, long count) {
        return lba >= 0 && lba <= sectors && count <= sectors - lba;
    }
}
