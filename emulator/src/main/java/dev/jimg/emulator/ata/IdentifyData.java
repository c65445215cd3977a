package dev.jimg.emulator.ata;

import java.nio.charset.StandardCharsets;

/**
 * The 256 words IDENTIFY DEVICE returns (ATA8-ACS, section 7.16 table 22), for a SATA disk with
 * 48-bit LBA, DMA up to UDMA 5, NCQ, FLUSH CACHE (EXT), a volatile write cache, TRIM, and the general
 * purpose log commands. The words a driver acts on:
 * <pre>
 *   10-19 serial number        23-26 firmware revision     27-46 model number   (ATA strings:
 *                                                          two characters per word, first in the high byte)
 *   47    0x8000: READ/WRITE MULTIPLE not supported       49 capabilities: LBA, DMA, IORDY
 *   53    words 64-70 and 88 valid                         60-61 28-bit capacity (at most 0x0fffffff)
 *   63    multiword DMA 0-2 supported (15:8 selected)      64 PIO 3-4
 *   75    queue depth - 1 (31)        76 SATA capabilities: NCQ, Gen1
 *   80    major version: ATA/ATAPI-4 to ATA8-ACS           82-87 command sets supported / enabled
 *   88    UDMA 0-5 supported (14:8 selected)               100-103 48-bit capacity
 *   105   DSM range-entry blocks per command (1)           106 one 512-byte logical sector per physical sector
 *   169   DATA SET MANAGEMENT: TRIM supported
 * </pre>
 * Reads after TRIM are not promised to return zeroes (word 69 bits 5 and 14 stay clear), because
 * a discard in the block layer may leave the old data.
 */
final class IdentifyData {
    static final int WORDS = 256;
    static final int MAX_SECTORS_28 = 0x0fff_ffff;
    /** NCQ queue depth: 32 commands, the most an AHCI port can have. */
    static final int QUEUE_DEPTH = 32;
    static final int UDMA_MODES = 0x3f;
    static final int MWDMA_MODES = 0x07;

    private IdentifyData() {
    }

    /**
     * @param sectors         capacity in 512-byte sectors
     * @param writeCache      whether the volatile write cache is enabled (SET FEATURES 02h/82h)
     * @param transferMode    the mode SET FEATURES 03h selected: 0x40 | n for UDMA n, 0x20 | n for
     *                        multiword DMA n, anything else for none
     */
    static byte[] build(long sectors, String serial, String firmware, String model, boolean writeCache,
            int transferMode) {
        int[] w = new int[WORDS];
        w[0] = 0x0040; // fixed device, not removable
        w[1] = 16383; // obsolete CHS geometry, as devices over 8 GB report it
        w[3] = 16;
        w[6] = 63;
        string(w, 10, 20, serial);
        string(w, 23, 8, firmware);
        string(w, 27, 40, model);
        w[47] = 0x8000;
        w[49] = 0x0b00; // IORDY supported (11), LBA (9), DMA (8)
        w[50] = 0x4000;
        w[53] = 0x0006; // words 64-70 and 88 are valid
        long sectors28 = Math.min(sectors, MAX_SECTORS_28);
        w[60] = (int) (sectors28 & 0xffff);
        w[61] = (int) (sectors28 >>> 16);
        w[63] = MWDMA_MODES | ((transferMode & 0xf8) == 0x20 ? 0x100 << (transferMode & 7) : 0);
        w[64] = 0x0003;
        w[65] = 120;
        w[66] = 120;
        w[67] = 120;
        w[68] = 120;
        w[75] = QUEUE_DEPTH - 1;
        w[76] = 0x0102; // NCQ (8), SATA Gen1 1.5 Gb/s (1)
        w[80] = 0x01f0; // ATA/ATAPI-4 .. ATA8-ACS
        w[82] = 0x4020; // NOP (14), volatile write cache (5)
        w[83] = 0x7400; // valid (14), FLUSH CACHE EXT (13), FLUSH CACHE (12), 48-bit (10)
        w[84] = 0x4020; // valid (14), general purpose logging (5)
        w[85] = 0x4000 | (writeCache ? 0x0020 : 0);
        w[86] = 0x3400;
        w[87] = 0x4020;
        w[88] = UDMA_MODES | ((transferMode & 0xf8) == 0x40 ? 0x100 << (transferMode & 7) : 0);
        w[100] = (int) (sectors & 0xffff);
        w[101] = (int) ((sectors >>> 16) & 0xffff);
        w[102] = (int) ((sectors >>> 32) & 0xffff);
        w[103] = (int) ((sectors >>> 48) & 0xffff);
        w[105] = 1;
        w[106] = 0x4000;
        w[169] = 0x0001;
        byte[] out = new byte[WORDS * 2];
        for (int i = 0; i < WORDS; i++) {
            out[2 * i] = (byte) w[i];
            out[2 * i + 1] = (byte) (w[i] >>> 8);
        }
        return out;
    }

    /** An ATA string: space-padded, each word holding two characters with the first in its high byte. */
    private static void string(int[] w, int word, int length, String text) {
        byte[] chars = new byte[length];
        java.util.Arrays.fill(chars, (byte) ' ');
        byte[] src = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(src, 0, chars, 0, Math.min(src.length, length));
        for (int i = 0; i < length; i += 2) {
            w[word + i / 2] = (chars[i] & 0xff) << 8 | (chars[i + 1] & 0xff);
        }
    }
}
