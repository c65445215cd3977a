package dev.jimg.formats.vhdx;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.NotSupportedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The metadata region's items. The region starts with a 64 KiB table (VHDX specification section
 * 2.6.1, little-endian):
 *
 * <pre>
 *   0  signature "metadata"   8  reserved (u16)   10  entry count (u16)   12  reserved (20)
 *  32  entries of 32 bytes: item GUID (16), offset in region (u32), length (u32),
 *      flags (u32: 1 user, 2 virtual disk, 4 required), reserved (u32)
 * </pre>
 *
 * and the five items every VHDX has (section 2.6.2): file parameters (block size u32; flags u32:
 * 1 leave blocks allocated, 2 has parent), virtual disk size (u64), virtual disk id ("page 83
 * data", a GUID), logical and physical sector size (u32 each).
 *
 * @param blockSize            payload block size, 1 MiB to 256 MiB, a power of two
 * @param leaveBlocksAllocated a fixed image: every block stays allocated
 * @param hasParent            a differencing image
 * @param virtualDiskSize      the guest-visible size in bytes
 * @param logicalSectorSize    512 or 4096
 * @param physicalSectorSize   512 or 4096
 * @param page83               the disk's identity as a SCSI device reports it
 */
record VhdxMetadata(long blockSize, boolean leaveBlocksAllocated, boolean hasParent, long virtualDiskSize,
        int logicalSectorSize, int physicalSectorSize, Guid page83) {

    static final int TABLE_SIZE = 64 * 1024;
    static final long MIN_BLOCK_SIZE = 1L << 20;
    static final long MAX_BLOCK_SIZE = 256L << 20;
    /** The specification's limit on a virtual disk: 64 TiB. */
    static final long MAX_VIRTUAL_SIZE = 64L << 40;

    private static final long SIGNATURE = 0x617461646174656DL; // "metadata"
    private static final int MAX_ENTRIES = 2047;
    private static final int ENTRY_SIZE = 32;
    private static final int FLAG_VIRTUAL_DISK = 2;
    private static final int FLAG_REQUIRED = 4;

    static final Guid FILE_PARAMETERS = Guid.of("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    static final Guid VIRTUAL_DISK_SIZE = Guid.of("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    static final Guid PAGE_83_DATA = Guid.of("BECA12AB-B2E6-4523-93EF-C309E000C746");
    static final Guid LOGICAL_SECTOR_SIZE = Guid.of("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
    static final Guid PHYSICAL_SECTOR_SIZE = Guid.of("CDA348C7-445D-4471-9CC9-E9885251C556");
    static final Guid PARENT_LOCATOR = Guid.of("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

    private record Item(long offset, long length) {
    }

    static VhdxMetadata read(BlockNode file, RegionTable.Region region) throws IOException {
        if (region.length() < TABLE_SIZE) {
            throw new CorruptImageException("VHDX metadata region of " + region.length() + " bytes cannot hold its table");
        }
        ByteBuffer table = ByteBuffer.allocate(TABLE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        file.read(region.fileOffset(), table);
        if (table.getLong(0) != SIGNATURE) {
            throw new CorruptImageException("VHDX metadata table signature is wrong");
        }
        int count = table.getShort(10) & 0xFFFF;
        if (count > MAX_ENTRIES) {
            throw new CorruptImageException("VHDX metadata table has " + count + " entries, at most " + MAX_ENTRIES
                    + " are allowed");
        }
        Map<Guid, Item> items = new HashMap<>();
        for (int i = 0; i < count; i++) {
            int o = ENTRY_SIZE + i * ENTRY_SIZE;
            Guid id = Guid.read(table, o);
            Item item = new Item(table.getInt(o + 16) & 0xFFFFFFFFL, table.getInt(o + 20) & 0xFFFFFFFFL);
            boolean required = (table.getInt(o + 24) & FLAG_REQUIRED) != 0;
            boolean known = id.equals(FILE_PARAMETERS) || id.equals(VIRTUAL_DISK_SIZE) || id.equals(PAGE_83_DATA)
                    || id.equals(LOGICAL_SECTOR_SIZE) || id.equals(PHYSICAL_SECTOR_SIZE) || id.equals(PARENT_LOCATOR);
            if (!known) {
                if (required) {
                    throw new NotSupportedException("VHDX image requires metadata item " + id
                            + ", which jimg does not know");
                }
                continue;
            }
            if (items.put(id, item) != null) {
                throw new CorruptImageException("VHDX metadata item " + id + " appears twice");
            }
            if (item.length() > 0 && (item.offset() < TABLE_SIZE || item.offset() + item.length() > region.length())) {
                throw new CorruptImageException("VHDX metadata item " + id + " at offset " + item.offset() + " of "
                        + item.length() + " bytes lies outside the metadata region");
            }
        }
        ByteBuffer params = item(file, region, items, FILE_PARAMETERS, "file parameters", 8);
        long blockSize = params.getInt(0) & 0xFFFFFFFFL;
        int flags = params.getInt(4);
        long size = item(file, region, items, VIRTUAL_DISK_SIZE, "virtual disk size", 8).getLong(0);
        Guid page83 = Guid.read(item(file, region, items, PAGE_83_DATA, "page 83 data", 16), 0);
        long logical = item(file, region, items, LOGICAL_SECTOR_SIZE, "logical sector size", 4).getInt(0) & 0xFFFFFFFFL;
        long physical = item(file, region, items, PHYSICAL_SECTOR_SIZE, "physical sector size", 4).getInt(0)
                & 0xFFFFFFFFL;
        boolean hasParent = (flags & 2) != 0;
        if (hasParent && !items.containsKey(PARENT_LOCATOR)) {
            throw new CorruptImageException("VHDX image has a parent but no parent locator");
        }
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Long.bitCount(blockSize) != 1) {
            throw new CorruptImageException("VHDX block size " + blockSize
                    + " is not a power of two between 1 MiB and 256 MiB");
        }
        if (logical != 512 && logical != 4096) {
            throw new CorruptImageException("VHDX logical sector size " + logical + " is neither 512 nor 4096");
        }
        if (physical != 512 && physical != 4096) {
            throw new CorruptImageException("VHDX physical sector size " + physical + " is neither 512 nor 4096");
        }
        if (size < 0 || size > MAX_VIRTUAL_SIZE || size % logical != 0) {
            throw new CorruptImageException("VHDX virtual disk size " + Long.toUnsignedString(size)
                    + " is not a multiple of the logical sector size up to 64 TiB");
        }
        return new VhdxMetadata(blockSize, (flags & 1) != 0, hasParent, size, (int) logical, (int) physical, page83);
    }

    private static ByteBuffer item(BlockNode file, RegionTable.Region region, Map<Guid, Item> items, Guid id,
            String name, int length) throws IOException {
        Item item = items.get(id);
        if (item == null) {
            throw new NotSupportedException("VHDX image lacks the required metadata item '" + name + "'");
        }
        if (item.length() < length) {
            throw new CorruptImageException("VHDX metadata item '" + name + "' is " + item.length() + " bytes, needs "
                    + length);
        }
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        file.read(region.fileOffset() + item.offset(), b);
        return b;
    }

    /**
     * The first bytes of a new metadata region, as QEMU writes it: the table with the five items
     * (all required; all but the file parameters describe the virtual disk), the items packed
     * from 64 KiB on.
     */
    byte[] toRegionBytes() {
        ByteBuffer b = ByteBuffer.allocate(TABLE_SIZE + 48).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, SIGNATURE);
        b.putShort(10, (short) 5);
        int data = TABLE_SIZE;
        int entry = ENTRY_SIZE;
        data = putEntry(b, entry, FILE_PARAMETERS, data, 8, FLAG_REQUIRED);
        b.putInt(TABLE_SIZE, (int) blockSize).putInt(TABLE_SIZE + 4, (leaveBlocksAllocated ? 1 : 0)
                | (hasParent ? 2 : 0));
        b.putLong(data, virtualDiskSize);
        data = putEntry(b, entry += ENTRY_SIZE, VIRTUAL_DISK_SIZE, data, 8, FLAG_REQUIRED | FLAG_VIRTUAL_DISK);
        page83.write(b, data);
        data = putEntry(b, entry += ENTRY_SIZE, PAGE_83_DATA, data, 16, FLAG_REQUIRED | FLAG_VIRTUAL_DISK);
        b.putInt(data, logicalSectorSize);
        data = putEntry(b, entry += ENTRY_SIZE, LOGICAL_SECTOR_SIZE, data, 4, FLAG_REQUIRED | FLAG_VIRTUAL_DISK);
        b.putInt(data, physicalSectorSize);
        putEntry(b, entry + ENTRY_SIZE, PHYSICAL_SECTOR_SIZE, data, 4, FLAG_REQUIRED | FLAG_VIRTUAL_DISK);
        return b.array();
    }

    /** Writes a table entry; returns where the next item's data goes. */
    private static int putEntry(ByteBuffer b, int entry, Guid id, int dataOffset, int length, int flags) {
        id.write(b, entry);
        b.putInt(entry + 16, dataOffset);
        b.putInt(entry + 20, length);
        b.putInt(entry + 24, flags);
        return dataOffset + length;
    }
}
