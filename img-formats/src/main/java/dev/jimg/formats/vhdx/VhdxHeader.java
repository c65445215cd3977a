package dev.jimg.formats.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * One of the two VHDX headers (4 KiB each, at 64 KiB and 128 KiB). Layout (little-endian), from
 * the VHDX specification v1.0, section 2.2.2 "Header":
 *
 * <pre>
 *   0  signature "head"       4  checksum (CRC-32C of the 4 KiB, this field zero)
 *   8  sequence number       16  file write GUID      32  data write GUID
 *  48  log GUID              64  log version (u16)    66  version (u16, 1)
 *  68  log length (u32)      72  log offset (u64)     80  reserved (4016)
 * </pre>
 *
 * The valid header with the larger sequence number is the current one. A non-zero log GUID says
 * the log may hold entries that must be replayed before the image is read.
 */
record VhdxHeader(long sequenceNumber, Guid fileWriteGuid, Guid dataWriteGuid, Guid logGuid, int logVersion,
        int version, long logLength, long logOffset) {

    static final int SIZE = 4096;
    static final int SIGNATURE = 0x64616568; // "head"
    static final long HEADER1_OFFSET = 64 * 1024;
    static final long HEADER2_OFFSET = 128 * 1024;

    /** The header in {@code b}, or {@code null} if its signature, checksum or version are wrong. */
    static VhdxHeader parseIfValid(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (b.length != SIZE || buf.getInt(0) != SIGNATURE || !Checksums.valid(b, 4)) {
            return null;
        }
        VhdxHeader h = new VhdxHeader(buf.getLong(8), Guid.read(buf, 16), Guid.read(buf, 32), Guid.read(buf, 48),
                buf.getShort(64) & 0xFFFF, buf.getShort(66) & 0xFFFF, buf.getInt(68) & 0xFFFFFFFFL, buf.getLong(72));
        return h.version == 1 ? h : null;
    }

    byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(0, SIGNATURE);
        buf.putLong(8, sequenceNumber);
        fileWriteGuid.write(buf, 16);
        dataWriteGuid.write(buf, 32);
        logGuid.write(buf, 48);
        buf.putShort(64, (short) logVersion);
        buf.putShort(66, (short) version);
        buf.putInt(68, (int) logLength);
        buf.putLong(72, logOffset);
        byte[] b = buf.array();
        Checksums.store(b, 4);
        return b;
    }

    VhdxHeader withUpdate(long sequence, Guid fileWrite, Guid dataWrite, Guid log) {
        return new VhdxHeader(sequence, fileWrite, dataWrite, log, logVersion, version, logLength, logOffset);
    }

    /** The CRC-32C rule VHDX uses for every checksummed structure. */
    static final class Checksums {
        private Checksums() {
        }

        /** CRC-32C of {@code b} with the four bytes at {@code field} taken as zero. */
        static int compute(byte[] b, int field) {
            CRC32C crc = new CRC32C();
            crc.update(b, 0, field);
            crc.update(new byte[4]);
            crc.update(b, field + 4, b.length - field - 4);
            return (int) crc.getValue();
        }

        static boolean valid(byte[] b, int field) {
            return compute(b, field) == ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(field);
        }

        static void store(byte[] b, int field) {
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(field, compute(b, field));
        }
    }
}
