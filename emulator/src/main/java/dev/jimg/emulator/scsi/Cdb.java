package dev.jimg.emulator.scsi;

/**
 * Big-endian field access for command descriptor blocks and the data SCSI devices return: every
 * multi-byte SCSI field is big-endian (SPC-4, section 3.5.2).
 */
final class Cdb {
    private Cdb() {
    }

    static int u8(byte[] b, int at) {
        return at < b.length ? b[at] & 0xff : 0;
    }

    static int u16(byte[] b, int at) {
        return u8(b, at) << 8 | u8(b, at + 1);
    }

    static int u24(byte[] b, int at) {
        return u8(b, at) << 16 | u16(b, at + 1);
    }

    static long u32(byte[] b, int at) {
        return (long) u16(b, at) << 16 | u16(b, at + 2);
    }

    static long u64(byte[] b, int at) {
        return u32(b, at) << 32 | u32(b, at + 4);
    }

    static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    static void putInt(byte[] b, int at, int v) {
        putShort(b, at, v >>> 16);
        putShort(b, at + 2, v);
    }

    static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }

    /** {@code s} in ASCII, left-aligned and space-padded to {@code width} bytes (SPC-4, 4.3.1). */
    static void putAscii(byte[] b, int at, int width, String s) {
        for (int i = 0; i < width; i++) {
            char c = i < s.length() ? s.charAt(i) : ' ';
            b[at + i] = (byte) (c >= 0x20 && c < 0x7f ? c : ' ');
        }
    }
}
