package dev.jimg.emulator.scsi;

import java.nio.charset.StandardCharsets;

/**
 * What INQUIRY returns (SPC-4, section 6.6): the standard data and the vital product data pages a
 * Linux {@code sd} driver reads.
 * <pre>
 *   standard (36 bytes): 0 peripheral type 0 (direct access block device); 1 RMB (7);
 *     2 VERSION 5 (SPC-3); 3 response data format 2, HISUP (4); 4 additional length 31;
 *     8-15 vendor, 16-31 product, 32-35 revision (ASCII, space padded)
 *   VPD page n: 0 type; 1 page code; 2-3 page length; 4.. page body
 *     00h supported pages      80h unit serial number     83h device identification
 *     B0h block limits         B1h block device characteristics
 *     B2h logical block provisioning
 * </pre>
 */
final class InquiryData {
    static final int STANDARD_LENGTH = 36;
    static final int VERSION_SPC3 = 5;
    static final int RESPONSE_FORMAT_2 = 2;
    static final int HISUP = 0x10;
    static final int RMB = 0x80;

    static final int PAGE_SUPPORTED = 0x00;
    static final int PAGE_SERIAL = 0x80;
    static final int PAGE_IDENTIFICATION = 0x83;
    static final int PAGE_BLOCK_LIMITS = 0xb0;
    static final int PAGE_CHARACTERISTICS = 0xb1;
    static final int PAGE_PROVISIONING = 0xb2;
    static final int[] PAGES = {PAGE_SUPPORTED, PAGE_SERIAL, PAGE_IDENTIFICATION, PAGE_BLOCK_LIMITS,
            PAGE_CHARACTERISTICS, PAGE_PROVISIONING};

    /** Block limits page length (SBC-3, 6.5.3): 0x3c bytes after the header. */
    static final int BLOCK_LIMITS_LENGTH = 0x3c;
    /** Block device characteristics: MEDIUM ROTATION RATE 1 = non-rotating medium. */
    static final int NON_ROTATING = 1;
    /** Logical block provisioning byte 5: LBPU (7), UNMAP is supported. */
    static final int LBPU = 0x80;
    /** Designator: code set 2 (ASCII), type 1 (T10 vendor ID based), association 0 (logical unit). */
    static final int CODE_SET_ASCII = 2;
    static final int DESIGNATOR_T10 = 1;

    private InquiryData() {
    }

    static byte[] standard(String vendor, String product, String revision, boolean removable) {
        byte[] b = new byte[STANDARD_LENGTH];
        b[1] = (byte) (removable ? RMB : 0);
        b[2] = VERSION_SPC3;
        b[3] = RESPONSE_FORMAT_2 | HISUP;
        b[4] = STANDARD_LENGTH - 5;
        Cdb.putAscii(b, 8, 8, vendor);
        Cdb.putAscii(b, 16, 16, product);
        Cdb.putAscii(b, 32, 4, revision);
        return b;
    }

    /** VPD page {@code code}, or {@code null} if the device has no such page. */
    static byte[] page(int code, ScsiDisk disk) {
        return switch (code) {
            case PAGE_SUPPORTED -> {
                byte[] body = new byte[PAGES.length];
                for (int i = 0; i < PAGES.length; i++) {
                    body[i] = (byte) PAGES[i];
                }
                yield page(code, body);
            }
            case PAGE_SERIAL -> page(code, disk.serial().getBytes(StandardCharsets.US_ASCII));
            case PAGE_IDENTIFICATION -> page(code, identification(disk));
            case PAGE_BLOCK_LIMITS -> page(code, blockLimits());
            case PAGE_CHARACTERISTICS -> {
                byte[] body = new byte[BLOCK_LIMITS_LENGTH];
                Cdb.putShort(body, 0, NON_ROTATING);
                yield page(code, body);
            }
            case PAGE_PROVISIONING -> {
                byte[] body = new byte[4];
                body[1] = (byte) LBPU;
                yield page(code, body);
            }
            default -> null;
        };
    }

    /** One T10 vendor ID based designator: the vendor (8 bytes) then the product and serial. */
    private static byte[] identification(ScsiDisk disk) {
        String id = disk.product().strip() + " " + disk.serial();
        byte[] name = id.getBytes(StandardCharsets.US_ASCII);
        byte[] d = new byte[4 + 8 + name.length];
        d[0] = CODE_SET_ASCII;
        d[1] = DESIGNATOR_T10;
        d[3] = (byte) (8 + name.length);
        Cdb.putAscii(d, 4, 8, disk.vendor());
        System.arraycopy(name, 0, d, 12, name.length);
        return d;
    }

    /**
     * Block limits (SBC-3, 6.5.3), offsets within the body: 4-7 MAXIMUM TRANSFER LENGTH (0: no
     * limit), 16-19 MAXIMUM UNMAP LBA COUNT, 20-23 MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT, 24-27
     * OPTIMAL UNMAP GRANULARITY (1 block).
     */
    private static byte[] blockLimits() {
        byte[] body = new byte[BLOCK_LIMITS_LENGTH];
        Cdb.putInt(body, 16, ScsiDisk.MAX_UNMAP_BLOCKS);
        Cdb.putInt(body, 20, ScsiDisk.MAX_UNMAP_DESCRIPTORS);
        Cdb.putInt(body, 24, 1);
        return body;
    }

    private static byte[] page(int code, byte[] body) {
        byte[] b = new byte[4 + body.length];
        b[1] = (byte) code;
        Cdb.putShort(b, 2, body.length);
        System.arraycopy(body, 0, b, 4, body.length);
        return b;
    }
}
