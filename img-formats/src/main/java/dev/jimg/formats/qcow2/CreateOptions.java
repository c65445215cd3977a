package dev.jimg.formats.qcow2;

import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.util.Sizes;

/**
 * The qcow2 {@code -o} options of {@code create}, {@code convert} and {@code measure}, validated
 * with qemu-img 7.2's rules and messages.
 */
record CreateOptions(int version, int clusterBits, int refcountOrder, boolean lazyRefcounts, boolean extendedL2,
        int compressionType, String dataFile, boolean dataFileRaw, String preallocation, String backingFile,
        String backingFormat) {

    static CreateOptions parse(ImageOptions o) {
        if (o.bool(Qcow2Driver.OPT_ENCRYPTION, false) || o.has(Qcow2Driver.OPT_ENCRYPT_FORMAT)
                || o.explicitValues().keySet().stream().anyMatch(k -> k.startsWith("encrypt."))) {
            throw new NotSupportedException("qcow2 encryption is not supported by jimg; create an unencrypted image"
                    + " (encrypt the storage underneath instead)");
        }
        String compat = o.string(Qcow2Driver.OPT_COMPAT).orElse("1.1");
        int version = switch (compat) {
            case "0.10", "v2" -> 2;
            case "1.1", "v3" -> 3;
            default -> throw new ImageException("Invalid parameter '" + compat + "'");
        };
        boolean extendedL2 = o.bool(Qcow2Driver.OPT_EXTENDED_L2, false);
        long clusterSize = o.size(Qcow2Driver.OPT_CLUSTER_SIZE, 65536);
        if (!Sizes.isPowerOfTwo(clusterSize) || clusterSize < 512 || clusterSize > (2 << 20)) {
            throw new ImageException("Cluster size must be a power of two between 512 and 2048k");
        }
        int clusterBits = Long.numberOfTrailingZeros(clusterSize);
        if (extendedL2) {
            if (version < 3) {
                throw new ImageException("Extended L2 entries are only supported with compatibility level 1.1 and"
                        + " above (use version=v3 or greater)");
            }
            if (clusterSize < 16384) {
                throw new ImageException("Extended L2 entries are only supported with cluster sizes of at least"
                        + " 16384 bytes");
            }
        }
        long refcountBits = o.number(Qcow2Driver.OPT_REFCOUNT_BITS, 16);
        if (refcountBits > 64 || !Sizes.isPowerOfTwo(refcountBits)) {
            throw new ImageException("Refcount width must be a power of two and may not exceed 64 bits");
        }
        if (version < 3 && refcountBits != 16) {
            throw new ImageException("Different refcount widths than 16 bits require compatibility level 1.1 or"
                    + " above (use version=v3 or greater)");
        }
        boolean lazy = o.bool(Qcow2Driver.OPT_LAZY_REFCOUNTS, false);
        if (lazy && version < 3) {
            throw new ImageException("Lazy refcounts only supported with compatibility level 1.1 and above (use"
                    + " version=v3 or greater)");
        }
        String compression = o.string(Qcow2Driver.OPT_COMPRESSION_TYPE).orElse("zlib");
        int compressionType = compression.equals("zstd") ? Qcow2Header.COMPRESSION_ZSTD : Qcow2Header.COMPRESSION_ZLIB;
        if (compressionType != Qcow2Header.COMPRESSION_ZLIB && version < 3) {
            throw new ImageException("Non-zlib compression type is only supported with compatibility level 1.1 and"
                    + " above (use version=v3 or greater)");
        }
        String dataFile = o.string(Qcow2Driver.OPT_DATA_FILE).orElse(null);
        boolean raw = o.bool(Qcow2Driver.OPT_DATA_FILE_RAW, false);
        if (raw && dataFile == null) {
            throw new ImageException("data-file-raw requires data-file");
        }
        if (dataFile != null && version < 3) {
            throw new ImageException("External data files are only supported with compatibility level 1.1 and"
                    + " above (use version=v3 or greater)");
        }
        String prealloc = o.string(CommonOptions.PREALLOCATION).orElse("off");
        String backing = o.string(CommonOptions.BACKING_FILE).orElse(null);
        String backingFmt = o.string(CommonOptions.BACKING_FMT).orElse(null);
        if (backingFmt != null && backing == null) {
            throw new ImageException("Backing format cannot be used without backing file");
        }
        if (backing != null && !prealloc.equals("off") && !extendedL2) {
            throw new ImageException("Backing file and preallocation can only be used at the same time if"
                    + " extended_l2 is on");
        }
        if (backing != null && raw) {
            throw new ImageException("Backing file and data-file-raw cannot be used at the same time");
        }
        return new CreateOptions(version, clusterBits, Long.numberOfTrailingZeros(refcountBits), lazy, extendedL2,
                compressionType, dataFile, raw, prealloc, backing, backingFmt);
    }

    int clusterSize() {
        return 1 << clusterBits;
    }

    /** QEMU refuses sizes whose L1 table would exceed its 32 MiB limit. */
    void checkSize(long virtualSize) {
        long l2Entries = clusterSize() / (extendedL2 ? 16 : 8);
        long l2Tables = Limits.divCeil(virtualSize / clusterSize(), l2Entries);
        if (l2Tables > Limits.MAX_L1_ENTRIES) {
            throw new ImageException("The image size is too large (try using a larger cluster size)");
        }
    }
}
