package dev.jimg.formats.vpc;

import dev.jimg.block.CorruptImageException;
import dev.jimg.block.util.FieldReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The dynamic disk header of dynamic and differencing VHDs: 1024 bytes at the footer's data
 * offset. Layout (big-endian), from the VHD specification, "Dynamic Disk Header Format":
 *
 * <pre>
 *    0  cookie "cxsparse"     8  data offset (unused)   16  table offset (u64)
 *   24  header version       28  max table entries      32  block size
 *   36  checksum             40  parent unique id (16)  56  parent time stamp
 *   60  reserved             64  parent unicode name (512, UTF-16BE)
 *  576  8 parent locator entries of 24 bytes: platform code, platform data space,
 *       platform data length, reserved, platform data offset (u64)
 *  768  reserved (256)
 * </pre>
 *
 * QEMU does not verify this header's checksum, and neither do we, so that every image QEMU opens
 * opens here too.
 */
record DynamicDiskHeader(long tableOffset, long maxTableEntries, long blockSize, UUID parentUniqueId,
        String parentName, List<ParentLocator> parentLocators) {

    static final int SIZE = 1024;
    static final byte[] COOKIE = "cxsparse".getBytes(StandardCharsets.US_ASCII);

    private static final int OFF_TABLE_OFFSET = 16;
    private static final int OFF_MAX_ENTRIES = 28;
    private static final int OFF_BLOCK_SIZE = 32;
    private static final int OFF_CHECKSUM = 36;
    private static final int OFF_PARENT_UUID = 40;
    private static final int OFF_PARENT_NAME = 64;
    private static final int PARENT_NAME_BYTES = 512;
    private static final int OFF_LOCATORS = 576;
    private static final int LOCATOR_SIZE = 24;
    private static final int LOCATOR_COUNT = 8;

    /**
     * A parent locator entry: where the platform-specific name of the parent is stored.
     *
     * @param platformCode "W2ru" (Windows relative, UTF-16LE), "W2ku" (Windows absolute, UTF-16LE),
     *                     "Mac " / "MacX" (Mac alias / UTF-8 file URL), …
     */
    record ParentLocator(String platformCode, long dataLength, long dataOffset) {
    }

    static DynamicDiskHeader parse(byte[] b) {
        if (b.length < SIZE || !Arrays.equals(b, 0, COOKIE.length, COOKIE, 0, COOKIE.length)) {
            throw new CorruptImageException("Invalid header magic");
        }
        FieldReader r = new FieldReader("VHD dynamic disk header", b, ByteOrder.BIG_ENDIAN);
        ByteBuffer uuid = ByteBuffer.wrap(b, OFF_PARENT_UUID, 16);
        UUID parent = new UUID(uuid.getLong(), uuid.getLong());
        String name = new String(b, OFF_PARENT_NAME, PARENT_NAME_BYTES, StandardCharsets.UTF_16BE);
        int nul = name.indexOf('\0');
        if (nul >= 0) {
            name = name.substring(0, nul);
        }
        List<ParentLocator> locators = new ArrayList<>();
        for (int i = 0; i < LOCATOR_COUNT; i++) {
            int o = OFF_LOCATORS + i * LOCATOR_SIZE;
            long code = r.u32("parent locator platform code", o);
            if (code == 0) {
                continue;
            }
            String platform = new String(b, o, 4, StandardCharsets.ISO_8859_1);
            locators.add(new ParentLocator(platform, r.u32("parent locator data length", o + 8),
                    r.u64("parent locator data offset", o + 16)));
        }
        return new DynamicDiskHeader(r.u64("table offset", OFF_TABLE_OFFSET), r.u32("max table entries", OFF_MAX_ENTRIES),
                r.u32("block size", OFF_BLOCK_SIZE), parent, name, List.copyOf(locators));
    }

    /** A header as QEMU writes it for a new dynamic disk (no parent). */
    static byte[] create(long tableOffset, long maxTableEntries, long blockSize) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.BIG_ENDIAN);
        b.put(COOKIE);
        // The specification says 0xFFFFFFFF, but Microsoft's tools expect all 64 bits set (QEMU's note).
        b.putLong(-1L);
        b.putLong(tableOffset);
        b.putInt(0x00010000);
        b.putInt((int) maxTableEntries);
        b.putInt((int) blockSize);
        byte[] bytes = b.array();
        ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN).putInt(OFF_CHECKSUM,
                (int) VhdFooter.checksum(bytes, OFF_CHECKSUM));
        return bytes;
    }
}
