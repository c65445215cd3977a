package dev.jimg.formats.qcow2;

import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.util.FieldReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The qcow2 header and its extensions, parsed from and encoded to cluster 0. Immutable: every
 * change produces a new header, which the driver writes as a whole (as QEMU's
 * {@code qcow2_update_header} does), so a torn header update cannot mix old and new fields.
 *
 * <p>Layout (<a href="https://gitlab.com/qemu-project/qemu/-/blob/v7.2.0/docs/interop/qcow2.txt">
 * docs/interop/qcow2.txt, "Header"</a>), all big-endian:
 * <pre>
 *   0 magic 'QFI\xfb'          4 version (2 or 3)         8 backing_file_offset
 *  16 backing_file_size       20 cluster_bits            24 size (virtual, bytes)
 *  32 crypt_method            36 l1_size                 40 l1_table_offset
 *  48 refcount_table_offset   56 refcount_table_clusters 60 nb_snapshots
 *  64 snapshots_offset        -- version 3 only --
 *  72 incompatible_features   80 compatible_features     88 autoclear_features
 *  96 refcount_order         100 header_length          104 compression_type (if length >= 112)
 * </pre>
 * Header extensions follow at {@code header_length}: {@code u32 type, u32 length, data} padded
 * to 8 bytes, ended by type 0. The backing file name follows the extensions.
 */
record Qcow2Header(
        int version,
        int clusterBits,
        long size,
        int cryptMethod,
        int l1Size,
        long l1TableOffset,
        long refcountTableOffset,
        int refcountTableClusters,
        int nbSnapshots,
        long snapshotsOffset,
        long incompatibleFeatures,
        long compatibleFeatures,
        long autoclearFeatures,
        int refcountOrder,
        int compressionType,
        String backingFile,
        String backingFormat,
        String dataFile,
        byte[] bitmapsExtension,
        List<UnknownExtension> unknownExtensions) {

    static final int MAGIC = 0x514649fb;
    static final int V2_HEADER_LENGTH = 72;
    /** QEMU writes version 3 headers of 112 bytes: 104 plus the compression type byte, padded. */
    static final int V3_HEADER_LENGTH = 112;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    /** QEMU's limit on the stored backing file name (1023 characters). */
    static final int MAX_BACKING_FILE_NAME = 1023;
    /** QEMU's limit on the virtual size: 2^61 bytes, so that byte offsets never overflow. */
    static final long MAX_VIRTUAL_SIZE = 1L << 61;

    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 1 << 1;
    static final long INCOMPAT_DATA_FILE = 1 << 2;
    static final long INCOMPAT_COMPRESSION = 1 << 3;
    static final long INCOMPAT_EXTENDED_L2 = 1 << 4;
    static final long INCOMPAT_KNOWN = 0x1f;
    static final long COMPAT_LAZY_REFCOUNTS = 1;
    static final long AUTOCLEAR_BITMAPS = 1;
    static final long AUTOCLEAR_DATA_FILE_RAW = 1 << 1;
    static final long AUTOCLEAR_KNOWN = 0x3;

    static final int COMPRESSION_ZLIB = 0;
    static final int COMPRESSION_ZSTD = 1;

    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xe2792aca;
    static final int EXT_FEATURE_TABLE = 0x6803f857;
    static final int EXT_CRYPTO = 0x0537be77;
    static final int EXT_BITMAPS = 0x23852875;
    static final int EXT_DATA_FILE = 0x44415441;

    /** An extension jimg does not interpret; kept byte for byte when the header is rewritten. */
    record UnknownExtension(int type, byte[] data) {
    }

    /** The feature name table QEMU writes into version 3 images, so tools can name the bits. */
    private static final Object[][] FEATURE_NAMES = {
        {0, 0, "dirty bit"}, {0, 1, "corrupt bit"}, {0, 2, "external data file"},
        {0, 3, "compression type"}, {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"},
        {2, 0, "bitmaps"}, {2, 1, "raw external data"},
    };
    private static final int FEATURE_ENTRY_SIZE = 48;

    int clusterSize() {
        return 1 << clusterBits;
    }

    int refcountBits() {
        return 1 << refcountOrder;
    }

    boolean has(long incompatibleBit) {
        return (incompatibleFeatures & incompatibleBit) != 0;
    }

    boolean lazyRefcounts() {
        return (compatibleFeatures & COMPAT_LAZY_REFCOUNTS) != 0;
    }

    boolean extendedL2() {
        return has(INCOMPAT_EXTENDED_L2);
    }

    boolean dataFileRaw() {
        return (autoclearFeatures & AUTOCLEAR_DATA_FILE_RAW) != 0;
    }

    Qcow2Header withIncompatible(long bits) {
        return new Qcow2Header(version, clusterBits, size, cryptMethod, l1Size, l1TableOffset, refcountTableOffset,
                refcountTableClusters, nbSnapshots, snapshotsOffset, bits, compatibleFeatures, autoclearFeatures,
                refcountOrder, compressionType, backingFile, backingFormat, dataFile, bitmapsExtension,
                unknownExtensions);
    }

    Qcow2Header withCompatible(long bits) {
        return new Qcow2Header(version, clusterBits, size, cryptMethod, l1Size, l1TableOffset, refcountTableOffset,
                refcountTableClusters, nbSnapshots, snapshotsOffset, incompatibleFeatures, bits, autoclearFeatures,
                refcountOrder, compressionType, backingFile, backingFormat, dataFile, bitmapsExtension,
                unknownExtensions);
    }

    Qcow2Header withAutoclear(long bits) {
        return new Qcow2Header(version, clusterBits, size, cryptMethod, l1Size, l1TableOffset, refcountTableOffset,
                refcountTableClusters, nbSnapshots, snapshotsOffset, incompatibleFeatures, compatibleFeatures, bits,
                refcountOrder, compressionType, backingFile, backingFormat, dataFile, bitmapsExtension,
                unknownExtensions);
    }

    Qcow2Header withL1(long offset, int entries) {
        return new Qcow2Header(version, clusterBits, size, cryptMethod, entries, offset, refcountTableOffset,
                refcountTableClusters, nbSnapshots, snapshotsOffset, incompatibleFeatures, compatibleFeatures,
                autoclearFeatures, refcountOrder, compressionType, backingFile, backingFormat, dataFile,
                bitmapsExtension, unknownExtensions);
    }

    Qcow2Header withSize(long newSize) {
        return new Qcow2Header(version, clusterBits, newSize, cryptMethod, l1Size, l1TableOffset, refcountTableOffset,
                refcountTableClusters, nbSnapshots, snapshotsOffset, incompatibleFeatures, compatibleFeatures,
                autoclearFeatures, refcountOrder, compressionType, backingFile, backingFormat, dataFile,
                bitmapsExtension, unknownExtensions);
    }

    Qcow2Header withRefcountTable(long offset, int clusters, int order) {
        return new Qcow2Header(version, clusterBits, size, cryptMethod, l1Size, l1TableOffset, offset, clusters,
                nbSnapshots, snapshotsOffset, incompatibleFeatures, compatibleFeatures, autoclearFeatures, order,
                compressionType, backingFile, backingFormat, dataFile, bitmapsExtension, unknownExtensions);
    }

    Qcow2Header withSnapshots(long offset, int count) {
        return new Qcow2Header(version, clusterBits, size, cryptMethod, l1Size, l1TableOffset, refcountTableOffset,
                refcountTableClusters, count, offset, incompatibleFeatures, compatibleFeatures, autoclearFeatures,
                refcountOrder, compressionType, backingFile, backingFormat, dataFile, bitmapsExtension,
                unknownExtensions);
    }

    Qcow2Header withBacking(String file, String format) {
        return new Qcow2Header(version, clusterBits, size, cryptMethod, l1Size, l1TableOffset, refcountTableOffset,
                refcountTableClusters, nbSnapshots, snapshotsOffset, incompatibleFeatures, compatibleFeatures,
                autoclearFeatures, refcountOrder, compressionType, file, file == null ? null : format, dataFile,
                bitmapsExtension, unknownExtensions);
    }

    Qcow2Header withVersion(int newVersion) {
        return new Qcow2Header(newVersion, clusterBits, size, cryptMethod, l1Size, l1TableOffset, refcountTableOffset,
                refcountTableClusters, nbSnapshots, snapshotsOffset, incompatibleFeatures, compatibleFeatures,
                autoclearFeatures, refcountOrder, compressionType, backingFile, backingFormat, dataFile,
                bitmapsExtension, unknownExtensions);
    }

    // ---------------------------------------------------------------- parsing

    /**
     * Parses the header from the first cluster (or the whole file if shorter). Every field is
     * checked against the spec's limits and against {@code fileSize} before anything trusts it.
     */
    static Qcow2Header parse(byte[] head, long fileSize) {
        FieldReader r = new FieldReader("qcow2 header", head, ByteOrder.BIG_ENDIAN);
        if (r.u32("magic", 0) != (MAGIC & 0xffffffffL)) {
            throw new ImageException("Image is not in qcow2 format");
        }
        long version = r.u32("version", 4);
        if (version != 2 && version != 3) {
            throw new NotSupportedException("Unsupported qcow2 version " + version);
        }
        int clusterBits = (int) r.u32InRange("cluster_bits", 20, MIN_CLUSTER_BITS, MAX_CLUSTER_BITS);
        int clusterSize = 1 << clusterBits;
        long size = r.u64InRange("size", 24, 0, MAX_VIRTUAL_SIZE);
        int cryptMethod = (int) r.u32("crypt_method", 32);
        if (cryptMethod != 0) {
            throw new NotSupportedException("qcow2 encryption (crypt_method " + cryptMethod
                    + ") is not supported by jimg; decrypt the image with qemu-img convert first");
        }
        long incompatible = 0;
        long compatible = 0;
        long autoclear = 0;
        int refcountOrder = 4;
        int headerLength = V2_HEADER_LENGTH;
        int compressionType = COMPRESSION_ZLIB;
        if (version == 3) {
            incompatible = r.u64("incompatible_features", 72);
            compatible = r.u64("compatible_features", 80);
            autoclear = r.u64("autoclear_features", 88);
            refcountOrder = (int) r.u32InRange("refcount_order", 96, 0, 6);
            headerLength = (int) r.u32InRange("header_length", 100, 104, Math.min(clusterSize, head.length));
            if (headerLength % 8 != 0 && headerLength != 104) {
                throw r.corrupt("header_length", 100, "expected a multiple of 8, got " + headerLength);
            }
            if (headerLength >= 105) {
                compressionType = r.u8("compression_type", 104);
            }
        }
        long unknownIncompat = incompatible & ~INCOMPAT_KNOWN;
        if (unknownIncompat != 0) {
            throw new NotSupportedException("Unsupported qcow2 feature(s): incompatible feature bits 0x"
                    + Long.toHexString(unknownIncompat) + " are unknown to jimg");
        }
        if ((incompatible & INCOMPAT_COMPRESSION) != 0) {
            if (compressionType != COMPRESSION_ZSTD) {
                throw r.corrupt("compression_type", 104, "compression type bit set but type is "
                        + compressionType + " (only zstd (1) needs the bit)");
            }
        } else if (compressionType != COMPRESSION_ZLIB) {
            throw r.corrupt("compression_type", 104, "type " + compressionType
                    + " requires the compression type incompatible bit, which is clear");
        }
        long l1Size = r.u32("l1_size", 36);
        long l1Offset = r.u64("l1_table_offset", 40);
        long reftableOffset = r.u64("refcount_table_offset", 48);
        long reftableClusters = r.u32("refcount_table_clusters", 56);
        long nbSnapshots = r.u32("nb_snapshots", 60);
        long snapshotsOffset = r.u64("snapshots_offset", 64);
        r.check("refcount_table_clusters", 56, reftableClusters, 1, Limits.maxRefcountTableClusters(clusterSize));
        Limits.checkTable(r, "refcount_table_offset", 48, reftableOffset, reftableClusters * clusterSize,
                clusterSize, fileSize);
        long l2Entries = clusterSize / ((incompatible & INCOMPAT_EXTENDED_L2) != 0 ? 16 : 8);
        long neededL1 = Limits.divCeil(Limits.divCeil(size, clusterSize), l2Entries);
        r.check("l1_size", 36, l1Size, neededL1, Limits.MAX_L1_ENTRIES);
        Limits.checkTable(r, "l1_table_offset", 40, l1Offset, l1Size * 8, clusterSize, fileSize);
        r.check("nb_snapshots", 60, nbSnapshots, 0, Limits.MAX_SNAPSHOTS);
        if (nbSnapshots > 0) {
            Limits.checkTable(r, "snapshots_offset", 64, snapshotsOffset, 40, clusterSize, fileSize);
        }
        if ((incompatible & INCOMPAT_EXTENDED_L2) != 0 && clusterBits < 14) {
            throw r.corrupt("cluster_bits", 20, "extended L2 entries need clusters of at least 16 KiB, got "
                    + clusterSize);
        }

        List<UnknownExtension> unknown = new ArrayList<>();
        String backingFormat = null;
        String dataFile = null;
        byte[] bitmaps = null;
        long backingOffset = r.u64("backing_file_offset", 8);
        long backingSize = r.u32("backing_file_size", 16);
        int extEnd = backingOffset != 0 ? (int) Math.min(backingOffset, clusterSize) : clusterSize;
        int pos = headerLength;
        while (true) {
            if (pos + 8 > Math.min(extEnd, head.length)) {
                break; // no room for another extension: the list ends here (QEMU stops too)
            }
            int type = (int) r.u32("extension type", pos);
            long len = r.u32("extension length", pos + 4);
            if (type == EXT_END) {
                break;
            }
            if (len > extEnd - pos - 8L) {
                throw r.corrupt("extension length", pos + 4, "extension 0x" + Integer.toHexString(type)
                        + " of " + len + " bytes does not fit in the header cluster");
            }
            byte[] data = r.bytes("extension data", pos + 8, (int) len);
            switch (type) {
                case EXT_BACKING_FORMAT -> backingFormat = cString(data);
                case EXT_DATA_FILE -> dataFile = cString(data);
                case EXT_FEATURE_TABLE -> {
                    // Regenerated on every header write from the features jimg knows.
                }
                case EXT_BITMAPS -> bitmaps = data;
                case EXT_CRYPTO -> throw new NotSupportedException(
                        "qcow2 encryption (LUKS) is not supported by jimg; decrypt the image with qemu-img convert first");
                default -> unknown.add(new UnknownExtension(type, data));
            }
            pos += 8 + (int) Limits.alignUp(len, 8);
        }
        String backingFile = null;
        if (backingOffset != 0) {
            r.check("backing_file_size", 16, backingSize, 1, MAX_BACKING_FILE_NAME);
            if (backingOffset > clusterSize - backingSize) {
                throw r.corrupt("backing_file_offset", 8, "backing file name at " + backingOffset + " of "
                        + backingSize + " bytes lies outside the header cluster");
            }
            backingFile = new String(r.bytes("backing file name", (int) backingOffset, (int) backingSize),
                    StandardCharsets.UTF_8);
        }
        if ((incompatible & INCOMPAT_DATA_FILE) == 0 && dataFile != null) {
            dataFile = null; // QEMU ignores the name when the feature bit is clear
        }
        return new Qcow2Header((int) version, clusterBits, size, cryptMethod, (int) l1Size, l1Offset, reftableOffset,
                (int) reftableClusters, (int) nbSnapshots, snapshotsOffset, incompatible, compatible, autoclear,
                refcountOrder, compressionType, backingFile, backingFormat, dataFile, bitmaps, List.copyOf(unknown));
    }

    private static String cString(byte[] data) {
        int n = 0;
        while (n < data.length && data[n] != 0) {
            n++;
        }
        return new String(data, 0, n, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- encoding

    /**
     * The whole header cluster as QEMU lays it out: header, extensions (backing format, data file,
     * feature table for v3, bitmaps, unknown ones), end marker, backing file name.
     */
    byte[] encode() {
        int clusterSize = clusterSize();
        ByteBuffer b = ByteBuffer.allocate(clusterSize).order(ByteOrder.BIG_ENDIAN);
        int headerLength = version == 3 ? V3_HEADER_LENGTH : V2_HEADER_LENGTH;
        b.putInt(0, MAGIC);
        b.putInt(4, version);
        b.putInt(20, clusterBits);
        b.putLong(24, size);
        b.putInt(32, cryptMethod);
        b.putInt(36, l1Size);
        b.putLong(40, l1TableOffset);
        b.putLong(48, refcountTableOffset);
        b.putInt(56, refcountTableClusters);
        b.putInt(60, nbSnapshots);
        b.putLong(64, snapshotsOffset);
        if (version == 3) {
            b.putLong(72, incompatibleFeatures);
            b.putLong(80, compatibleFeatures);
            b.putLong(88, autoclearFeatures);
            b.putInt(96, refcountOrder);
            b.putInt(100, headerLength);
            b.put(104, (byte) compressionType);
        }
        b.position(headerLength);
        if (backingFormat != null && backingFile != null) {
            putExtension(b, EXT_BACKING_FORMAT, backingFormat.getBytes(StandardCharsets.UTF_8));
        }
        if (dataFile != null) {
            putExtension(b, EXT_DATA_FILE, dataFile.getBytes(StandardCharsets.UTF_8));
        }
        if (version == 3) {
            ByteBuffer table = ByteBuffer.allocate(FEATURE_NAMES.length * FEATURE_ENTRY_SIZE);
            for (Object[] f : FEATURE_NAMES) {
                int at = table.position();
                table.put((byte) (int) (Integer) f[0]).put((byte) (int) (Integer) f[1]);
                table.put(((String) f[2]).getBytes(StandardCharsets.US_ASCII));
                table.position(at + FEATURE_ENTRY_SIZE);
            }
            putExtension(b, EXT_FEATURE_TABLE, table.array());
        }
        if (bitmapsExtension != null) {
            putExtension(b, EXT_BITMAPS, bitmapsExtension);
        }
        for (UnknownExtension e : unknownExtensions) {
            putExtension(b, e.type(), e.data());
        }
        need(b, 8);
        b.putInt(EXT_END).putInt(0);
        if (backingFile != null) {
            byte[] name = backingFile.getBytes(StandardCharsets.UTF_8);
            if (name.length > MAX_BACKING_FILE_NAME) {
                throw new ImageException("Backing file name too long (" + name.length + " bytes, at most "
                        + MAX_BACKING_FILE_NAME + ")");
            }
            need(b, name.length);
            b.putLong(8, b.position());
            b.putInt(16, name.length);
            b.put(name);
        }
        return b.array();
    }

    private static void putExtension(ByteBuffer b, int type, byte[] data) {
        int padded = (int) Limits.alignUp(data.length, 8);
        need(b, 8 + padded);
        b.putInt(type).putInt(data.length).put(data);
        b.position(b.position() + padded - data.length);
    }

    private static void need(ByteBuffer b, int bytes) {
        if (b.remaining() < bytes) {
            throw new ImageException("qcow2 header extensions and backing file name do not fit in one cluster ("
                    + b.capacity() + " bytes)");
        }
    }

    /** Whether a header fits: used before creating an image with long names in a small cluster. */
    static void requireFits(Qcow2Header h) {
        h.encode();
    }
}
