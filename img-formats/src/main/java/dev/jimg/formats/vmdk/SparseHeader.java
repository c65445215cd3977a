package dev.jimg.formats.vmdk;

import dev.jimg.block.CorruptImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.util.FieldReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The header of a hosted sparse extent ({@code SparseExtentHeader}, VMware "Virtual Disk Format
 * 5.0", section "Hosted Sparse Extent Header"), little-endian, one 512-byte sector:
 * <pre>
 *   0  u32  magicNumber         'KDMV' (0x564d444b)
 *   4  u32  version             1, 2 (zeroed-grain GTEs) or 3 (stream, changed-block tracking)
 *   8  u32  flags               bit 0 valid newline test, bit 1 redundant grain table,
 *                               bit 2 zeroed-grain GTEs, bit 16 compressed grains, bit 17 markers
 *  12  u64  capacity            sectors
 *  20  u64  grainSize           sectors per grain
 *  28  u64  descriptorOffset    sectors (0 when the descriptor is a separate file)
 *  36  u64  descriptorSize      sectors
 *  44  u32  numGTEsPerGT        512
 *  48  u64  rgdOffset           redundant grain directory, sectors
 *  56  u64  gdOffset            grain directory, sectors; GD_AT_END when only the footer has it
 *  64  u64  overHead            sectors before the first grain
 *  72  u8   uncleanShutdown
 *  73  u8[4] '\n', ' ', '\r', '\n'  (detects newline translation)
 *  77  u16  compressAlgorithm   0 none, 1 deflate
 * </pre>
 */
final class SparseHeader {
    static final int SIZE = 512;
    static final int MAGIC = 0x564d444b;
    static final int FLAG_NL_DETECT = 1;
    static final int FLAG_RGD = 1 << 1;
    static final int FLAG_ZERO_GRAIN = 1 << 2;
    static final int FLAG_COMPRESSED = 1 << 16;
    static final int FLAG_MARKERS = 1 << 17;
    static final long GD_AT_END = -1L;
    static final int COMPRESSION_DEFLATE = 1;
    /** VMware only writes 64 KiB grains; larger ones would make every copy-on-write a huge buffer. */
    static final long MAX_GRAIN_SECTORS = 2048;
    /** VMware writes 512; a grain table is read whole, so keep one within 16 KiB. */
    static final long MAX_GTES_PER_GT = 4096;

    final int version;
    final int flags;
    final long capacity;
    final long grainSectors;
    final long descriptorOffset;
    final long descriptorSize;
    final int gtesPerGt;
    final long rgdOffset;
    final long gdOffset;
    final long overhead;
    final int compressAlgorithm;

    SparseHeader(int version, int flags, long capacity, long grainSectors, long descriptorOffset,
            long descriptorSize, int gtesPerGt, long rgdOffset, long gdOffset, long overhead, int compressAlgorithm) {
        this.version = version;
        this.flags = flags;
        this.capacity = capacity;
        this.grainSectors = grainSectors;
        this.descriptorOffset = descriptorOffset;
        this.descriptorSize = descriptorSize;
        this.gtesPerGt = gtesPerGt;
        this.rgdOffset = rgdOffset;
        this.gdOffset = gdOffset;
        this.overhead = overhead;
        this.compressAlgorithm = compressAlgorithm;
    }

    static boolean hasMagic(byte[] head) {
        return head.length >= 4 && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == MAGIC;
    }

    /** Parses a header (or footer: same layout) from {@code bytes}, checking what jimg relies on. */
    static SparseHeader parse(byte[] bytes, String structure) {
        FieldReader r = new FieldReader(structure, bytes, ByteOrder.LITTLE_ENDIAN);
        if ((int) r.u32("magicNumber", 0) != MAGIC) {
            throw r.corrupt("magicNumber", 0, "not a VMDK sparse extent");
        }
        long version = r.u32("version", 4);
        if (version < 1 || version > 3) {
            throw new NotSupportedException("Unsupported VMDK version " + version);
        }
        int flags = (int) r.u32("flags", 8);
        long capacity = r.u64("capacity", 12);
        if (capacity < 0 || capacity > Long.MAX_VALUE / 512) {
            throw r.corrupt("capacity", 12, Long.toUnsignedString(capacity) + " sectors is beyond any disk:"
                    + " L1 size too big");
        }
        long grain = r.u64("grainSize", 20);
        if (grain < 1 || grain > MAX_GRAIN_SECTORS || Long.bitCount(grain) != 1) {
            throw r.corrupt("grainSize", 20, "expected a power of two from 1 to " + MAX_GRAIN_SECTORS
                    + " sectors, got " + Long.toUnsignedString(grain));
        }
        long gtes = r.u32InRange("numGTEsPerGT", 44, 1, MAX_GTES_PER_GT);
        int compress = r.u16("compressAlgorithm", 77);
        if ((flags & FLAG_COMPRESSED) != 0 && compress != COMPRESSION_DEFLATE) {
            throw new NotSupportedException("Unsupported VMDK compression algorithm " + compress);
        }
        if ((flags & FLAG_NL_DETECT) != 0) {
            byte[] nl = r.bytes("newline test", 73, 4);
            if (nl[0] != '\n' || nl[1] != ' ' || nl[2] != '\r' || nl[3] != '\n') {
                throw new CorruptImageException(structure + ": the newline test bytes are damaged;"
                        + " the file was probably transferred in text mode");
            }
        }
        return new SparseHeader((int) version, flags, capacity, grain,
                r.u64InRange("descriptorOffset", 28, 0, Long.MAX_VALUE / 512),
                r.u64InRange("descriptorSize", 36, 0, Descriptor.MAX_BYTES / 512), (int) gtes,
                r.u64("rgdOffset", 48), r.u64("gdOffset", 56), r.u64InRange("overHead", 64, 0, Long.MAX_VALUE / 512),
                compress);
    }

    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC).putInt(4, version).putInt(8, flags).putLong(12, capacity).putLong(20, grainSectors)
                .putLong(28, descriptorOffset).putLong(36, descriptorSize).putInt(44, gtesPerGt)
                .putLong(48, rgdOffset).putLong(56, gdOffset).putLong(64, overhead);
        b.put(72, (byte) 0).put(73, (byte) '\n').put(74, (byte) ' ').put(75, (byte) '\r').put(76, (byte) '\n');
        b.putShort(77, (short) compressAlgorithm);
        return b.array();
    }

    SparseHeader withGdOffset(long gd) {
        return new SparseHeader(version, flags, capacity, grainSectors, descriptorOffset, descriptorSize, gtesPerGt,
                rgdOffset, gd, overhead, compressAlgorithm);
    }

    boolean compressed() {
        return (flags & FLAG_COMPRESSED) != 0;
    }

    boolean markers() {
        return (flags & FLAG_MARKERS) != 0;
    }

    boolean zeroedGrains() {
        return (flags & FLAG_ZERO_GRAIN) != 0;
    }

    boolean redundantGd() {
        return (flags & FLAG_RGD) != 0 && rgdOffset != 0;
    }

    long grainBytes() {
        return grainSectors * 512;
    }

    /** Guest sectors one grain table covers. */
    long sectorsPerGt() {
        return grainSectors * gtesPerGt;
    }

    /** Grain directory entries needed for the capacity. */
    long gdEntries() {
        return (capacity + sectorsPerGt() - 1) / sectorsPerGt();
    }

    /** Bytes of one grain table, whole sectors. */
    long gtBytes() {
        return (gtesPerGt * 4L + 511) & -512L;
    }
}
