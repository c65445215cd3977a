package dev.jimg.formats.vdi;

import dev.jimg.block.CorruptImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.util.FieldReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The VDI pre-header and version 1.1 header, the first 512 bytes of every VDI file.
 *
 * <p>Layout (little-endian; VirtualBox's {@code VDIPREHEADER} + {@code VDIHEADER1PLUS} in
 * {@code src/VBox/Storage/VDICore.h}, summarised at https://forums.virtualbox.org/viewtopic.php?t=8046):
 * <pre>
 *   0x000  char[64]  text            "&lt;&lt;&lt; Oracle VM VirtualBox Disk Image &gt;&gt;&gt;\n", NUL padded
 *   0x040  u32       signature       0xbeda107f
 *   0x044  u32       version         0x00010001 (1.1)
 *   0x048  u32       header_size     0x190 (VirtualBox) or 0x180 (qemu-img: no LCHS geometry)
 *   0x04c  u32       image_type      1 dynamic, 2 static, 3 undo, 4 differencing
 *   0x050  u32       image_flags
 *   0x054  char[256] description
 *   0x154  u32       offset_bmap     byte offset of the block map
 *   0x158  u32       offset_data     byte offset of data block 0
 *   0x15c  u32[4]    legacy geometry cylinders, heads, sectors, sector_size (must be 512)
 *   0x16c  u32       unused
 *   0x170  u64       disk_size       guest size in bytes
 *   0x178  u32       block_size      1 MiB
 *   0x17c  u32       block_extra     per-block prefix bytes, always 0 in practice
 *   0x180  u32       blocks_in_image block map entries
 *   0x184  u32       blocks_allocated data blocks stored in the file
 *   0x188  uuid      uuid_image      this image (VirtualBox's uuidCreate)
 *   0x198  uuid      uuid_last_snap  changes when the image is modified (uuidModify)
 *   0x1a8  uuid      uuid_link       differencing images: the parent's uuid_image
 *   0x1b8  uuid      uuid_parent     differencing images: the parent's uuid_last_snap when linked
 *   0x1c8  u32[4]    LCHS geometry   (header_size 0x190 only)
 * </pre>
 * Instances are mutable only in the fields an open image changes (allocation count, modification
 * UUID, disk size); everything else is fixed at creation.
 */
final class VdiHeader {
    static final int SIZE = 512;
    static final long SIGNATURE = 0xbeda107fL;
    static final long VERSION_1_1 = 0x00010001L;
    /** VirtualBox's v1.1 header with LCHS geometry; qemu-img writes 0x180 without it. */
    static final int HEADER_SIZE_V1_PLUS = 0x190;
    static final int HEADER_SIZE_V1 = 0x180;
    static final int SECTOR_SIZE = 512;
    /** The only block size VirtualBox and qemu-img create. */
    static final int DEFAULT_BLOCK_SIZE = 1 << 20;
    /** The text VirtualBox writes; images from other writers are recognised by the signature only. */
    static final String TEXT = "<<< Oracle VM VirtualBox Disk Image >>>\n";
    /** qemu's bound on the block map (4 bytes an entry must stay addressable with 32-bit offsets). */
    static final long MAX_BLOCKS = 0x3fffffffL;
    static final long MAX_DISK_SIZE = MAX_BLOCKS * DEFAULT_BLOCK_SIZE;

    static final int OFF_SIGNATURE = 0x40;
    static final int OFF_TYPE = 0x4c;

    enum Type {
        DYNAMIC(1), STATIC(2), UNDO(3), DIFF(4);

        final int code;

        Type(int code) {
            this.code = code;
        }

        static Type of(FieldReader r) {
            long code = r.u32("image_type", OFF_TYPE);
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw r.corrupt("image_type", OFF_TYPE, "expected 1 (dynamic), 2 (static), 3 (undo) or 4 (differencing), got "
                    + code);
        }
    }

    private final byte[] raw;
    final Type type;
    final int headerSize;
    final long offsetBmap;
    long offsetData;
    final int blockSize;
    long diskSize;
    long blocksInImage;
    long blocksAllocated;
    final byte[] uuidImage;
    byte[] uuidLastSnap;
    final byte[] uuidLink;
    final byte[] uuidParent;

    private VdiHeader(byte[] raw, Type type, int headerSize, long offsetBmap, long offsetData, int blockSize,
            long diskSize, long blocksInImage, long blocksAllocated, byte[] uuidImage, byte[] uuidLastSnap,
            byte[] uuidLink, byte[] uuidParent) {
        this.raw = raw;
        this.type = type;
        this.headerSize = headerSize;
        this.offsetBmap = offsetBmap;
        this.offsetData = offsetData;
        this.blockSize = blockSize;
        this.diskSize = diskSize;
        this.blocksInImage = blocksInImage;
        this.blocksAllocated = blocksAllocated;
        this.uuidImage = uuidImage;
        this.uuidLastSnap = uuidLastSnap;
        this.uuidLink = uuidLink;
        this.uuidParent = uuidParent;
    }

    /** Whether {@code head} starts with a VDI header (the signature; the text varies by writer). */
    static boolean hasSignature(byte[] head) {
        return head.length >= SIZE && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN)
                .getInt(OFF_SIGNATURE) == (int) SIGNATURE;
    }

    /**
     * Parses and validates a header. Damaged fields are {@link CorruptImageException}s; valid
     * headers jimg cannot handle (other versions, block_extra) are {@link NotSupportedException}s.
     */
    static VdiHeader parse(byte[] bytes) {
        FieldReader r = new FieldReader("VDI header", bytes, ByteOrder.LITTLE_ENDIAN);
        if (r.u32("signature", OFF_SIGNATURE) != SIGNATURE) {
            throw r.corrupt("signature", OFF_SIGNATURE, "not a VDI image (signature "
                    + Long.toHexString(r.u32("signature", OFF_SIGNATURE)) + ")");
        }
        long version = r.u32("version", 0x44);
        if (version != VERSION_1_1) {
            throw new NotSupportedException("unsupported VDI image (version " + (version >>> 16) + "."
                    + (version & 0xffff) + ")");
        }
        int headerSize = (int) r.u32InRange("header_size", 0x48, HEADER_SIZE_V1, SIZE - 0x48);
        Type type = Type.of(r);
        if (type == Type.UNDO) {
            throw new NotSupportedException("VDI undo images are not supported");
        }
        long offsetBmap = r.u32("offset_bmap", 0x154);
        long offsetData = r.u32("offset_data", 0x158);
        if (offsetBmap % SECTOR_SIZE != 0 || offsetBmap < SIZE) {
            throw r.corrupt("offset_bmap", 0x154, "expected a multiple of 512 past the header, got " + offsetBmap);
        }
        if (offsetData % SECTOR_SIZE != 0) {
            throw r.corrupt("offset_data", 0x158, "expected a multiple of 512, got " + offsetData);
        }
        r.u32InRange("sector_size", 0x168, SECTOR_SIZE, SECTOR_SIZE);
        long blockSize = r.u32("block_size", 0x178);
        if (blockSize < SECTOR_SIZE || blockSize > (1 << 28) || Long.bitCount(blockSize) != 1) {
            throw r.corrupt("block_size", 0x178, "expected a power of two from 512 to 256 MiB, got " + blockSize);
        }
        if (r.u32("block_extra", 0x17c) != 0) {
            throw new NotSupportedException("unsupported VDI image (block_extra "
                    + r.u32("block_extra", 0x17c) + " is not 0)");
        }
        long blocksInImage = r.u32InRange("blocks_in_image", 0x180, 0, MAX_BLOCKS);
        long diskSize = r.u64InRange("disk_size", 0x170, 0, blocksInImage * blockSize);
        long blocksAllocated = r.u32InRange("blocks_allocated", 0x184, 0, blocksInImage);
        if (offsetData < offsetBmap + blocksInImage * 4) {
            throw r.corrupt("offset_data", 0x158, "data area at " + offsetData + " overlaps the block map of "
                    + blocksInImage + " entries at " + offsetBmap);
        }
        byte[] uuidLink = r.bytes("uuid_link", 0x1a8, 16);
        byte[] uuidParent = r.bytes("uuid_parent", 0x1b8, 16);
        if (type == Type.DIFF && isNull(uuidLink)) {
            throw r.corrupt("uuid_link", 0x1a8, "a differencing image needs its parent's UUID, got all zeroes");
        }
        if (type != Type.DIFF && !isNull(uuidLink)) {
            throw r.corrupt("uuid_link", 0x1a8, "only differencing images name a parent, this "
                    + type.name().toLowerCase(java.util.Locale.ROOT) + " image names " + VdiUuid.format(uuidLink));
        }
        return new VdiHeader(bytes.clone(), type, headerSize, offsetBmap, offsetData, (int) blockSize, diskSize,
                blocksInImage, blocksAllocated, r.bytes("uuid_image", 0x188, 16), r.bytes("uuid_last_snap", 0x198, 16),
                uuidLink, uuidParent);
    }

    /**
     * A new header laid out as VirtualBox lays it out: header in the first sector, the block map
     * from 0x200, the data 512-byte aligned after it, a 0x190-byte v1.1 header.
     */
    static VdiHeader create(Type type, long diskSize, byte[] uuidLink, byte[] uuidParent) {
        long blocks = (diskSize + DEFAULT_BLOCK_SIZE - 1) / DEFAULT_BLOCK_SIZE;
        long offsetBmap = SIZE;
        long offsetData = alignSector(offsetBmap + blocks * 4);
        byte[] raw = new byte[SIZE];
        byte[] text = TEXT.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, raw, 0, text.length);
        return new VdiHeader(raw, type, HEADER_SIZE_V1_PLUS, offsetBmap, offsetData, DEFAULT_BLOCK_SIZE, diskSize,
                blocks, type == Type.STATIC ? blocks : 0, VdiUuid.random(), VdiUuid.random(),
                uuidLink == null ? new byte[16] : uuidLink.clone(), uuidParent == null ? new byte[16] : uuidParent.clone());
    }

    static long alignSector(long value) {
        return (value + SECTOR_SIZE - 1) & -SECTOR_SIZE;
    }

    /** The header as stored, keeping the bytes of fields jimg does not interpret (description, geometry). */
    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.wrap(raw.clone()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(OFF_SIGNATURE, (int) SIGNATURE);
        b.putInt(0x44, (int) VERSION_1_1);
        b.putInt(0x48, headerSize);
        b.putInt(OFF_TYPE, type.code);
        b.putInt(0x154, (int) offsetBmap);
        b.putInt(0x158, (int) offsetData);
        b.putInt(0x168, SECTOR_SIZE);
        b.putLong(0x170, diskSize);
        b.putInt(0x178, blockSize);
        b.putInt(0x17c, 0);
        b.putInt(0x180, (int) blocksInImage);
        b.putInt(0x184, (int) blocksAllocated);
        b.put(0x188, uuidImage);
        b.put(0x198, uuidLastSnap);
        b.put(0x1a8, uuidLink);
        b.put(0x1b8, uuidParent);
        if (headerSize >= HEADER_SIZE_V1_PLUS && b.getInt(0x1d4) == 0) {
            b.putInt(0x1d4, SECTOR_SIZE); // LCHS sector size, as VirtualBox initialises it
        }
        return b.array();
    }

    boolean isDifferencing() {
        return type == Type.DIFF;
    }

    static boolean isNull(byte[] uuid) {
        for (byte x : uuid) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** The byte offset of data block {@code index} in the file. */
    long dataOffset(long index) {
        return offsetData + index * blockSize;
    }

    @Override
    public String toString() {
        return "VdiHeader[type=" + type + ", disk_size=" + diskSize + ", blocks=" + blocksInImage + "/"
                + blocksAllocated + ", uuid=" + VdiUuid.format(uuidImage) + "]";
    }

    /** UUIDs as VirtualBox stores them: RTUUID, whose first three fields are little-endian. */
    static final class VdiUuid {
        private static final SecureRandom RANDOM = new SecureRandom();

        private VdiUuid() {
        }

        static byte[] random() {
            byte[] u = new byte[16];
            RANDOM.nextBytes(u);
            // Version 4, RFC 4122 variant; the version nibble sits in the little-endian third field.
            u[7] = (byte) ((u[7] & 0x0f) | 0x40);
            u[8] = (byte) ((u[8] & 0x3f) | 0x80);
            return u;
        }

        /** The textual form VirtualBox shows ({@code VBoxManage showmediuminfo}). */
        static String format(byte[] u) {
            return String.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                    u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        }

        static boolean same(byte[] a, byte[] b) {
            return Arrays.equals(a, b);
        }
    }
}
