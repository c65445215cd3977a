package dev.jimg.formats.qcow2;

import dev.jimg.block.util.FieldReader;

/**
 * Bounds on sizes read from an untrusted image, each with the reason it is safe. They are what
 * keeps a hostile header from making jimg allocate gigabytes or loop for hours.
 */
final class Limits {
    /** QEMU's QCOW_MAX_L1_SIZE: 32 MiB of L1 table (4 Mi entries). */
    static final long MAX_L1_ENTRIES = 32L * 1024 * 1024 / 8;
    /** QEMU's QCOW_MAX_REFTABLE_SIZE: 8 MiB of refcount table. */
    static final long MAX_REFTABLE_BYTES = 8L * 1024 * 1024;
    /** QEMU's QCOW_MAX_SNAPSHOTS: 65536 entries. */
    static final long MAX_SNAPSHOTS = 65536;
    /** QEMU's QCOW_MAX_SNAPSHOT_EXTRA_DATA: 1 KiB of per-snapshot extra data. */
    static final int MAX_SNAPSHOT_EXTRA_DATA = 1024;
    /** QEMU's QCOW_MAX_SNAPSHOTS_SIZE: the whole snapshot table may not exceed 64 MiB. */
    static final long MAX_SNAPSHOTS_BYTES = 64L * 1024 * 1024;
    /** Bitmap directory size cap, as QEMU's QCOW2_MAX_BITMAP_DIRECTORY_SIZE (64 KiB per bitmap × 65535). */
    static final long MAX_BITMAP_DIRECTORY_BYTES = 1024L * 65535;
    /** QEMU's QCOW2_MAX_BITMAPS. */
    static final long MAX_BITMAPS = 65535;

    private Limits() {
    }

    static long maxRefcountTableClusters(int clusterSize) {
        return Math.max(1, MAX_REFTABLE_BYTES / clusterSize);
    }

    /**
     * Checks that a table of {@code bytes} at {@code offset} is cluster aligned and, when it has any
     * size, ends within the file: a table that claims to lie past the end of the file is damaged.
     */
    static void checkTable(FieldReader r, String field, int fieldOffset, long offset, long bytes, int clusterSize,
            long fileSize) {
        if (offset < 0 || (offset & (clusterSize - 1)) != 0) {
            throw r.corrupt(field, fieldOffset, "expected a cluster-aligned offset, got 0x"
                    + Long.toHexString(offset));
        }
        if (bytes > 0 && (offset > fileSize || bytes > fileSize - offset)) {
            throw r.corrupt(field, fieldOffset, "table of " + bytes + " bytes at offset " + offset
                    + " extends past the end of the file (" + fileSize + " bytes)");
        }
    }

    static long divCeil(long a, long b) {
        return (a + b - 1) / b;
    }

    static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
