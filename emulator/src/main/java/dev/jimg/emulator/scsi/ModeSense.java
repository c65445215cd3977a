package dev.jimg.emulator.scsi;

import java.io.ByteArrayOutputStream;

/**
 * MODE SENSE (6) and (10) (SPC-4, sections 6.11-6.12, 7.5): a mode parameter header, an optional
 * block descriptor, and the pages asked for.
 * <pre>
 *   header (6):  0 MODE DATA LENGTH, 1 medium type, 2 device-specific (WP 7, DPOFUA 4),
 *                3 BLOCK DESCRIPTOR LENGTH
 *   header (10): 0-1 MODE DATA LENGTH, 2 medium type, 3 device-specific, 4 LONGLBA (0),
 *                6-7 BLOCK DESCRIPTOR LENGTH
 *   block descriptor (8 bytes): 0-3 NUMBER OF LOGICAL BLOCKS (0xffffffff if larger; (6) uses 3
 *                bytes at 1-3), 5-7 LOGICAL BLOCK LENGTH
 *   page 08h caching (20 bytes): byte 2 WCE (2);  page 0Ah control (12 bytes)
 * </pre>
 * No page is changeable (there is no MODE SELECT), so PC=1 returns all-zero masks; saved values
 * are not supported (PC=3 fails with SAVING PARAMETERS NOT SUPPORTED, as SPC-4 6.11 requires).
 */
final class ModeSense {
    static final int PAGE_CACHING = 0x08;
    static final int PAGE_CONTROL = 0x0a;
    static final int PAGE_ALL = 0x3f;
    static final int CACHING_LENGTH = 20;
    static final int CONTROL_LENGTH = 12;
    static final int WCE = 0x04;
    static final int WP = 0x80;
    static final int DPOFUA = 0x10;
    static final int BLOCK_DESCRIPTOR = 8;
    static final int PC_CHANGEABLE = 1;
    static final int PC_SAVED = 3;

    private ModeSense() {
    }

    /**
     * The data for a MODE SENSE, or {@code null} when a field of the CDB is invalid.
     *
     * @param ten whether it is MODE SENSE (10)
     */
    static byte[] build(byte[] cdb, boolean ten, ScsiDisk disk) {
        boolean dbd = (Cdb.u8(cdb, 1) & 0x08) != 0;
        int pc = Cdb.u8(cdb, 2) >>> 6;
        int code = Cdb.u8(cdb, 2) & 0x3f;
        int subpage = Cdb.u8(cdb, 3);
        if (subpage != 0 && !(code == PAGE_ALL && subpage == 0xff)) {
            return null;
        }
        ByteArrayOutputStream pages = new ByteArrayOutputStream();
        if (code == PAGE_CACHING || code == PAGE_ALL) {
            pages.writeBytes(caching(pc, disk.writeCacheEnabled()));
        }
        if (code == PAGE_CONTROL || code == PAGE_ALL) {
            pages.writeBytes(control(pc));
        }
        if (pages.size() == 0) {
            return null;
        }
        int header = ten ? 8 : 4;
        int descriptor = dbd ? 0 : BLOCK_DESCRIPTOR;
        byte[] b = new byte[header + descriptor + pages.size()];
        int deviceSpecific = (disk.readOnly() ? WP : 0) | DPOFUA;
        if (ten) {
            Cdb.putShort(b, 0, b.length - 2);
            b[3] = (byte) deviceSpecific;
            Cdb.putShort(b, 6, descriptor);
        } else {
            b[0] = (byte) (b.length - 1);
            b[2] = (byte) deviceSpecific;
            b[3] = (byte) descriptor;
        }
        if (descriptor > 0) {
            long blocks = disk.blocks();
            if (ten) {
                Cdb.putInt(b, header, (int) Math.min(blocks, 0xffff_ffffL));
            } else {
                int count = (int) Math.min(blocks, 0xff_ffffL);
                b[header + 1] = (byte) (count >>> 16);
                Cdb.putShort(b, header + 2, count);
            }
            b[header + 5] = (byte) (ScsiDisk.BLOCK_SIZE >>> 16);
            Cdb.putShort(b, header + 6, ScsiDisk.BLOCK_SIZE);
        }
        byte[] p = pages.toByteArray();
        System.arraycopy(p, 0, b, header + descriptor, p.length);
        return b;
    }

    static boolean savedValuesRequested(byte[] cdb) {
        return Cdb.u8(cdb, 2) >>> 6 == PC_SAVED;
    }

    private static byte[] caching(int pc, boolean writeCache) {
        byte[] page = new byte[CACHING_LENGTH];
        page[0] = PAGE_CACHING;
        page[1] = CACHING_LENGTH - 2;
        if (pc != PC_CHANGEABLE && writeCache) {
            page[2] = WCE;
        }
        return page;
    }

    private static byte[] control(int pc) {
        byte[] page = new byte[CONTROL_LENGTH];
        page[0] = PAGE_CONTROL;
        page[1] = CONTROL_LENGTH - 2;
        return page;
    }
}
