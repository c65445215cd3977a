package dev.jimg.emulator.ahci;

import dev.jimg.emulator.ata.AtaResult;

/**
 * The device-to-host FISes a port posts into its received-FIS area, and where they go (AHCI 1.3.1,
 * section 4.2.1 "Received FIS Organization"; FIS layouts from Serial ATA 3.x, section 10.5):
 * <pre>
 *   FIS area (256 bytes at PxFB): 0x00 DMA Setup   0x20 PIO Setup   0x40 D2H Register
 *                                 0x58 Set Device Bits               0x60 unknown FIS
 *
 *   D2H Register (20 bytes): 0 type 34h, 1 I (6), 2 status, 3 error, 4-6 LBA 23:0, 7 device,
 *                            8-10 LBA 47:24, 12-13 count
 *   PIO Setup (20 bytes):    0 type 5Fh, 1 D (5: device to host) I (6), 2 status, 3 error,
 *                            4-10 as above, 12-13 count, 15 E_Status, 16-17 transfer count
 *   Set Device Bits (8):     0 type A1h, 1 I (6) N (7), 2 status: bits 6:4 and 2:0, 3 error,
 *                            4-7 SActive: tags completed
 * </pre>
 */
final class Fis {
    static final int AREA_SIZE = 256;
    static final int PIO_SETUP_OFFSET = 0x20;
    static final int D2H_OFFSET = 0x40;
    static final int SDB_OFFSET = 0x58;

    static final int TYPE_D2H = 0x34;
    static final int TYPE_PIO_SETUP = 0x5f;
    static final int TYPE_SDB = 0xa1;
    private static final int INTERRUPT = 0x40;
    private static final int DEVICE_TO_HOST = 0x20;
    /** Status bits a Set Device Bits FIS carries: 6:4 and 2:0 (BSY and DRQ stay as they are). */
    static final int SDB_STATUS_BITS = 0x77;

    private Fis() {
    }

    /** A Register D2H FIS with the interrupt bit set, reporting {@code r}. */
    static byte[] d2h(AtaResult r, int device) {
        byte[] f = new byte[20];
        f[0] = (byte) TYPE_D2H;
        f[1] = INTERRUPT;
        registers(f, r, device);
        return f;
    }

    /** The signature FIS a device sends after reset: no interrupt, status ready, error 01h. */
    static byte[] signature(AtaResult r) {
        byte[] f = d2h(r, 0);
        f[1] = 0;
        return f;
    }

    /** A PIO Setup FIS for a data-in transfer of {@code bytes}, ending with {@code r}'s status. */
    static byte[] pioSetup(AtaResult r, int device, int bytes, boolean deviceToHost) {
        byte[] f = new byte[20];
        f[0] = (byte) TYPE_PIO_SETUP;
        f[1] = (byte) (INTERRUPT | (deviceToHost ? DEVICE_TO_HOST : 0));
        registers(f, r, device);
        f[2] = (byte) (r.status() & ~AtaResult.STATUS_BSY | AtaResult.STATUS_DRQ);
        f[15] = (byte) r.status();
        f[16] = (byte) bytes;
        f[17] = (byte) (bytes >>> 8);
        return f;
    }

    /** A Set Device Bits FIS completing the tags in {@code active}. */
    static byte[] setDeviceBits(int status, int error, int active) {
        byte[] f = new byte[8];
        f[0] = (byte) TYPE_SDB;
        f[1] = INTERRUPT;
        f[2] = (byte) (status & SDB_STATUS_BITS);
        f[3] = (byte) error;
        f[4] = (byte) active;
        f[5] = (byte) (active >>> 8);
        f[6] = (byte) (active >>> 16);
        f[7] = (byte) (active >>> 24);
        return f;
    }

    private static void registers(byte[] f, AtaResult r, int device) {
        f[2] = (byte) r.status();
        f[3] = (byte) r.error();
        long lba = r.lba();
        f[4] = (byte) lba;
        f[5] = (byte) (lba >>> 8);
        f[6] = (byte) (lba >>> 16);
        f[7] = (byte) device;
        f[8] = (byte) (lba >>> 24);
        f[9] = (byte) (lba >>> 32);
        f[10] = (byte) (lba >>> 40);
        f[12] = (byte) r.count();
        f[13] = (byte) (r.count() >>> 8);
    }
}
