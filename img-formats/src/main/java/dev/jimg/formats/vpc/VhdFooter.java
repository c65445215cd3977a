package dev.jimg.formats.vpc;

import dev.jimg.block.CorruptImageException;
import dev.jimg.block.util.FieldReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * The VHD hard disk footer: 512 bytes at the end of every VHD, copied to offset 0 of dynamic
 * and differencing disks. Layout (big-endian), from the "Virtual Hard Disk Image Format
 * Specification" v1.0, section "Hard Disk Footer Format":
 *
 * <pre>
 *   0  cookie "conectix"        8  features        12  file format version
 *  16  data offset (u64)       24  time stamp      28  creator application
 *  32  creator version         36  creator host OS 40  original size (u64)
 *  48  current size (u64)      56  geometry: cylinders u16, heads u8, sectors/track u8
 *  60  disk type               64  checksum        68  unique id (16)
 *  84  saved state             85  reserved (427)
 * </pre>
 *
 * The checksum is the one's complement of the byte sum of the footer with the checksum field
 * taken as zero. The bytes are kept as read, so that moving the footer (a dynamic disk grows past
 * it) writes back exactly what the image had.
 */
final class VhdFooter {
    static final int SIZE = 512;
    static final byte[] COOKIE = "conectix".getBytes(StandardCharsets.US_ASCII);

    static final int TYPE_FIXED = 2;
    static final int TYPE_DYNAMIC = 3;
    static final int TYPE_DIFFERENCING = 4;

    /** Time stamps count seconds from 2000-01-01T00:00:00Z. */
    static final long TIMESTAMP_EPOCH = 946684800L;
    /** QEMU refuses disks above 2040 GiB (0xff000000 sectors); so do we. */
    static final long MAX_SECTORS = 0xff000000L;

    private static final int OFF_DATA_OFFSET = 16;
    private static final int OFF_CREATOR_APP = 28;
    private static final int OFF_CURRENT_SIZE = 48;
    private static final int OFF_GEOMETRY = 56;
    private static final int OFF_TYPE = 60;
    private static final int OFF_CHECKSUM = 64;
    private static final int OFF_UNIQUE_ID = 68;

    private final byte[] bytes;

    private VhdFooter(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Whether {@code data} holds the footer cookie at {@code offset}. */
    static boolean hasCookie(byte[] data, int offset) {
        return offset >= 0 && offset + COOKIE.length <= data.length
                && Arrays.equals(data, offset, offset + COOKIE.length, COOKIE, 0, COOKIE.length);
    }

    /**
     * Parses a footer whose cookie has been seen. Fails as QEMU does when the checksum is wrong.
     * A footer one byte short (some old writers end the file at 511 bytes) is padded with zero.
     */
    static VhdFooter parse(byte[] sector) {
        byte[] b = Arrays.copyOf(sector, SIZE);
        if (!hasCookie(b, 0)) {
            throw new CorruptImageException("invalid VPC image");
        }
        VhdFooter f = new VhdFooter(b);
        if (checksum(b) != f.storedChecksum()) {
            throw new CorruptImageException("Incorrect header checksum");
        }
        return f;
    }

    /** Whether a probe may trust {@code sector} as a footer: cookie, checksum and a known disk type. */
    static boolean looksValid(byte[] sector) {
        if (sector.length < SIZE - 1 || !hasCookie(sector, 0)) {
            return false;
        }
        byte[] b = Arrays.copyOf(sector, SIZE);
        VhdFooter f = new VhdFooter(b);
        int type = f.diskType();
        return checksum(b) == f.storedChecksum()
                && (type == TYPE_FIXED || type == TYPE_DYNAMIC || type == TYPE_DIFFERENCING);
    }

    /** The VHD checksum of a footer (or dynamic header: same rule, checksum at {@code checksumOffset}). */
    static long checksum(byte[] b, int checksumOffset) {
        long sum = 0;
        for (int i = 0; i < b.length; i++) {
            if (i < checksumOffset || i >= checksumOffset + 4) {
                sum += b[i] & 0xFF;
            }
        }
        return ~sum & 0xFFFFFFFFL;
    }

    static long checksum(byte[] b) {
        return checksum(b, OFF_CHECKSUM);
    }

    private FieldReader fields() {
        return new FieldReader("VHD footer", bytes, ByteOrder.BIG_ENDIAN);
    }

    long storedChecksum() {
        return fields().u32("checksum", OFF_CHECKSUM);
    }

    long dataOffset() {
        return fields().u64("data offset", OFF_DATA_OFFSET);
    }

    /** The four bytes of the creator application, as Latin-1 text ("vpc ", "win ", "qemu", "d2v\0"). */
    String creatorApp() {
        return new String(bytes, OFF_CREATOR_APP, 4, StandardCharsets.ISO_8859_1);
    }

    long currentSize() {
        return fields().u64("current size", OFF_CURRENT_SIZE);
    }

    ChsGeometry geometry() {
        FieldReader r = fields();
        return new ChsGeometry(r.u16("cylinders", OFF_GEOMETRY), r.u8("heads", OFF_GEOMETRY + 2),
                r.u8("sectors per track", OFF_GEOMETRY + 3));
    }

    int diskType() {
        return (int) fields().u32("disk type", OFF_TYPE);
    }

    UUID uniqueId() {
        ByteBuffer b = ByteBuffer.wrap(bytes, OFF_UNIQUE_ID, 16);
        return new UUID(b.getLong(), b.getLong());
    }

    /** The footer exactly as stored (512 bytes). */
    byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Which size the creator's tools show, QEMU's table (block/vpc.c): Virtual PC and QEMU's own
     * images ("vpc ", "qemu", and any unknown creator) are sized by their geometry; Hyper-V
     * ("win "), Disk2vhd ("d2v "), XenServer ("tap\0"), XenConverter ("CTXS") and QEMU with
     * {@code force_size} ("qem2") by the current size. A disk with the maximum geometry is always
     * sized by its current size, since the geometry could not express it.
     */
    long virtualSize(SizeRule override) {
        String app = creatorApp();
        boolean useChs = !(app.equals("win ") || app.equals("qem2") || app.equals("d2v ") || app.equals("CTXS")
                || app.equals("tap\0"));
        if (override == SizeRule.CHS) {
            useChs = true;
        }
        long sectors = geometry().totalSectors();
        if (!useChs || sectors == ChsGeometry.MAX_SECTORS || override == SizeRule.CURRENT_SIZE) {
            sectors = currentSize() / 512;
        }
        return sectors * 512;
    }

    /** How the virtual size is found: QEMU's {@code force_size_calc} open option. */
    enum SizeRule {
        /** By the creator application, the default. */
        AUTO,
        /** Always by the geometry ({@code force_size_calc=chs}). */
        CHS,
        /** Always by the current size ({@code force_size_calc=current_size}). */
        CURRENT_SIZE
    }

    /**
     * A new footer as QEMU writes one.
     *
     * @param creatorApp "qemu" for geometry-sized images, "qem2" for {@code force_size}
     */
    static VhdFooter create(long size, ChsGeometry geometry, int diskType, String creatorApp, long nowSeconds,
            UUID uniqueId) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.BIG_ENDIAN);
        b.put(COOKIE);
        b.putInt(2); // features: the "reserved" bit the specification says must be set
        b.putInt(0x00010000); // file format version 1.0
        b.putLong(diskType == TYPE_FIXED ? -1L : SIZE);
        b.putInt((int) (nowSeconds - TIMESTAMP_EPOCH));
        b.put(creatorApp.getBytes(StandardCharsets.ISO_8859_1), 0, 4);
        b.putInt(0x00050003); // creator version: Virtual PC 2007, as QEMU writes
        b.put("Wi2k".getBytes(StandardCharsets.US_ASCII));
        b.putLong(size); // original size
        b.putLong(size); // current size
        b.putShort((short) geometry.cylinders());
        b.put((byte) geometry.heads());
        b.put((byte) geometry.sectorsPerTrack());
        b.putInt(diskType);
        b.putInt(0); // checksum, filled below
        b.putLong(uniqueId.getMostSignificantBits());
        b.putLong(uniqueId.getLeastSignificantBits());
        byte[] bytes = b.array();
        ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN).putInt(OFF_CHECKSUM, (int) checksum(bytes));
        return new VhdFooter(bytes);
    }
}
