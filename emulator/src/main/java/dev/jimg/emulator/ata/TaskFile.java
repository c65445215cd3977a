package dev.jimg.emulator.ata;

/**
 * The ATA command block as a Register Host-to-Device FIS carries it (Serial ATA 3.x, section
 * 10.5.5 "Register - Host to Device FIS", 20 bytes):
 * <pre>
 *    0 type 0x27   1 PM port (3:0), C (7): command (1) or device control (0) update
 *    2 command     3 features 7:0
 *    4 LBA 7:0     5 LBA 15:8    6 LBA 23:16   7 device
 *    8 LBA 31:24   9 LBA 39:32  10 LBA 47:40  11 features 15:8
 *   12 count 7:0  13 count 15:8 14 ICC        15 control
 *   16..19 auxiliary
 * </pre>
 * 28-bit commands use LBA 27:24 from device bits 3:0 instead of the high LBA bytes; they are
 * decoded where the command is known ({@link #lba28()}).
 */
public record TaskFile(boolean commandUpdate, int command, int features, long lba, int device, int count, int icc,
        int control, int auxiliary) {
    /** FIS type of a Register Host-to-Device FIS. */
    public static final int FIS_TYPE_H2D = 0x27;
    public static final int FIS_SIZE = 20;
    /** Device register bit 6: LBA addressing. */
    public static final int DEVICE_LBA = 0x40;
    /** Device register bit 7 in FPDMA commands: forced unit access. */
    public static final int DEVICE_FUA = 0x80;
    /** Device control register bit 2: software reset. */
    public static final int CONTROL_SRST = 0x04;

    /** Decodes a Register H2D FIS; returns {@code null} if the bytes are not one. */
    public static TaskFile fromFis(byte[] fis) {
        if (fis.length < FIS_SIZE || (fis[0] & 0xff) != FIS_TYPE_H2D) {
            return null;
        }
        long lba = u(fis[4]) | u(fis[5]) << 8 | u(fis[6]) << 16 | u(fis[8]) << 24 | u(fis[9]) << 32
                | u(fis[10]) << 40;
        return new TaskFile((fis[1] & 0x80) != 0, (int) u(fis[2]), (int) (u(fis[3]) | u(fis[11]) << 8), lba,
                (int) u(fis[7]), (int) (u(fis[12]) | u(fis[13]) << 8), (int) u(fis[14]), (int) u(fis[15]),
                (int) (u(fis[16]) | u(fis[17]) << 8 | u(fis[18]) << 16 | u(fis[19]) << 24));
    }

    /** The 28-bit LBA of a non-extended command: LBA 23:0 and device bits 3:0. */
    public long lba28() {
        return (lba & 0xff_ffff) | (long) (device & 0x0f) << 24;
    }

    /** Sector count of a 28-bit command (0 means 256). */
    public int count28() {
        int n = count & 0xff;
        return n == 0 ? 256 : n;
    }

    /** Sector count of a 48-bit command (0 means 65536). */
    public int count48() {
        return count == 0 ? 65536 : count;
    }

    /** Sector count of an FPDMA QUEUED command, which carries it in the features field (0 means 65536). */
    public int fpdmaCount() {
        return features == 0 ? 65536 : features;
    }

    /** The NCQ tag of an FPDMA QUEUED command: count bits 7:3. */
    public int fpdmaTag() {
        return (count >>> 3) & 0x1f;
    }

    private static long u(byte b) {
        return b & 0xffL;
    }
}
