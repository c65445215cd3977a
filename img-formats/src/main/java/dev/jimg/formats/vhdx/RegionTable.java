package dev.jimg.formats.vhdx;

import dev.jimg.block.CorruptImageException;
import dev.jimg.block.NotSupportedException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The region table (64 KiB at 192 KiB, copy at 256 KiB): where the BAT and the metadata region
 * lie. Layout (little-endian), VHDX specification section 2.2.3 "Region Table":
 *
 * <pre>
 *   0  signature "regi"   4  checksum (CRC-32C of the 64 KiB)   8  entry count   12  reserved
 *  16  entries of 32 bytes: GUID (16), file offset (u64), length (u32), bit 0: required
 * </pre>
 *
 * A required region this implementation does not know makes the image unreadable, by the
 * specification's rule.
 */
record RegionTable(Region bat, Region metadata) {
    static final int SIZE = 64 * 1024;
    static final long OFFSET = 192 * 1024;
    static final long COPY_OFFSET = 256 * 1024;
    private static final int SIGNATURE = 0x69676572; // "regi"
    /** The specification's limit on entries. */
    private static final int MAX_ENTRIES = 2047;
    private static final int ENTRY_SIZE = 32;
    private static final int HEADER_SIZE = 16;

    static final Guid BAT_GUID = Guid.of("2DC27766-F623-4200-9D64-115E9BFD4A08");
    static final Guid METADATA_GUID = Guid.of("8B7CA206-4790-4B9A-B8FE-575F050F886E");

    /** A region: {@code [fileOffset, fileOffset + length)} of the file. */
    record Region(long fileOffset, long length) {
        long end() {
            return fileOffset + length;
        }

        boolean overlaps(long start, long len) {
            return start < end() && fileOffset < start + len;
        }
    }

    static RegionTable parse(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getInt(0) != SIGNATURE) {
            throw new CorruptImageException("VHDX region table signature is wrong");
        }
        if (!VhdxHeader.Checksums.valid(b, 4)) {
            throw new CorruptImageException("VHDX region table checksum is wrong");
        }
        long count = buf.getInt(8) & 0xFFFFFFFFL;
        if (count > MAX_ENTRIES) {
            throw new CorruptImageException("VHDX region table has " + count + " entries, at most " + MAX_ENTRIES
                    + " are allowed");
        }
        Region bat = null;
        Region metadata = null;
        for (int i = 0; i < count; i++) {
            int o = HEADER_SIZE + i * ENTRY_SIZE;
            Guid guid = Guid.read(buf, o);
            Region r = new Region(buf.getLong(o + 16), buf.getInt(o + 24) & 0xFFFFFFFFL);
            boolean required = (buf.getInt(o + 28) & 1) != 0;
            if (guid.equals(BAT_GUID)) {
                bat = unique(bat, r, "BAT");
            } else if (guid.equals(METADATA_GUID)) {
                metadata = unique(metadata, r, "metadata");
            } else if (required) {
                throw new NotSupportedException("VHDX image requires region " + guid + ", which jimg does not know");
            }
        }
        if (bat == null || metadata == null) {
            throw new CorruptImageException("VHDX region table lacks the " + (bat == null ? "BAT" : "metadata")
                    + " region");
        }
        return new RegionTable(bat, metadata);
    }

    private static Region unique(Region previous, Region r, String what) {
        if (previous != null) {
            throw new CorruptImageException("VHDX region table lists the " + what + " region twice");
        }
        if (r.fileOffset() < 1 << 20 || r.fileOffset() % (1 << 20) != 0 || r.length() % (1 << 20) != 0) {
            throw new CorruptImageException("VHDX " + what + " region at offset " + Long.toUnsignedString(r.fileOffset())
                    + " of " + r.length() + " bytes is not aligned to 1 MiB past the header section");
        }
        return r;
    }

    byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(0, SIGNATURE);
        buf.putInt(8, 2);
        putEntry(buf, HEADER_SIZE, BAT_GUID, bat);
        putEntry(buf, HEADER_SIZE + ENTRY_SIZE, METADATA_GUID, metadata);
        byte[] b = buf.array();
        VhdxHeader.Checksums.store(b, 4);
        return b;
    }

    private static void putEntry(ByteBuffer buf, int o, Guid guid, Region r) {
        guid.write(buf, o);
        buf.putLong(o + 16, r.fileOffset());
        buf.putInt(o + 24, (int) r.length());
        buf.putInt(o + 28, 1); // required, as the specification marks both
    }
}
