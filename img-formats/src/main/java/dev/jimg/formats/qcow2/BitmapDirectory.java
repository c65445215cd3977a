package dev.jimg.formats.qcow2;

import dev.jimg.block.util.FieldReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Persistent dirty bitmaps, read only so far as jimg must know them: to list them in
 * {@code info}, and to count the clusters they own in {@code check} (which would otherwise call
 * them leaked). jimg never changes bitmaps; opening an image read-write clears the bitmaps
 * autoclear bit, which tells QEMU they may be stale (qcow2.txt, "Bitmaps extension").
 * <pre>
 * extension: nb_bitmaps u32, reserved u32, bitmap_directory_size u64, bitmap_directory_offset u64
 * entry:     bitmap_table_offset u64, bitmap_table_size u32, flags u32, type u8,
 *            granularity_bits u8, name_size u16, extra_data_size u32, extra, name, pad to 8
 * table entry: bits 9-55 data cluster offset (0: all zeroes, or all ones if bit 0 is set)
 * </pre>
 */
final class BitmapDirectory {
    private static final int FLAG_IN_USE = 1;
    private static final int FLAG_AUTO = 2;

    record Bitmap(String name, long tableOffset, int tableSize, int flags, int granularityBits) {
    }

    record Directory(long offset, long size, List<Bitmap> bitmaps) {
    }

    private BitmapDirectory() {
    }

    /** The directory, or null when the image has no (trusted) bitmaps. */
    static Directory read(Qcow2State s) throws IOException {
        Qcow2Header h = s.header();
        byte[] ext = h.bitmapsExtension();
        if (ext == null || (h.autoclearFeatures() & Qcow2Header.AUTOCLEAR_BITMAPS) == 0) {
            return null;
        }
        FieldReader r = new FieldReader("qcow2 bitmaps extension", ext, ByteOrder.BIG_ENDIAN);
        long n = r.u32InRange("nb_bitmaps", 0, 1, Limits.MAX_BITMAPS);
        long size = r.u64InRange("bitmap_directory_size", 8, 0, Limits.MAX_BITMAP_DIRECTORY_BYTES);
        long offset = r.u64("bitmap_directory_offset", 16);
        Limits.checkTable(r, "bitmap_directory_offset", 16, offset, size, s.geometry().clusterSize(), s.file().size());
        byte[] dir = new byte[(int) size];
        s.file().read(offset, ByteBuffer.wrap(dir));
        FieldReader d = new FieldReader("qcow2 bitmap directory", dir, ByteOrder.BIG_ENDIAN);
        List<Bitmap> list = new ArrayList<>();
        int pos = 0;
        for (int i = 0; i < n; i++) {
            long tableOffset = d.u64("bitmap_table_offset", pos);
            long tableSize = d.u32("bitmap_table_size", pos + 8);
            int flags = (int) d.u32("flags", pos + 12);
            int granularity = d.u8("granularity_bits", pos + 17);
            int nameSize = d.u16("name_size", pos + 18);
            long extra = d.u32InRange("extra_data_size", pos + 20, 0, Limits.MAX_SNAPSHOT_EXTRA_DATA);
            String name = new String(d.bytes("name", pos + 24 + (int) extra, nameSize), StandardCharsets.UTF_8);
            list.add(new Bitmap(name, tableOffset, (int) tableSize, flags, granularity));
            pos += (int) Limits.alignUp(24 + extra + nameSize, 8);
        }
        return new Directory(offset, size, list);
    }

    /** What {@code info} prints under {@code bitmaps}. */
    static List<Map<String, Object>> describe(Qcow2State s) {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            Directory dir = read(s);
            if (dir == null) {
                return out;
            }
            for (Bitmap b : dir.bitmaps()) {
                Map<String, Object> m = new LinkedHashMap<>();
                List<String> flags = new ArrayList<>();
                if ((b.flags() & FLAG_IN_USE) != 0) {
                    flags.add("in-use");
                }
                if ((b.flags() & FLAG_AUTO) != 0) {
                    flags.add("auto");
                }
                m.put("flags", flags);
                m.put("name", b.name());
                m.put("granularity", 1L << b.granularityBits());
                out.add(m);
            }
        } catch (IOException | RuntimeException e) {
            // info must still print the rest; a damaged directory shows as no bitmaps and check reports it.
            return out;
        }
        return out;
    }

    /** Every host range the bitmaps own (directory, tables, data clusters), for check's refcount accounting. */
    static List<long[]> ranges(Qcow2State s, Directory dir) throws IOException {
        List<long[]> out = new ArrayList<>();
        out.add(new long[] {dir.offset(), dir.size()});
        for (Bitmap b : dir.bitmaps()) {
            long bytes = (long) b.tableSize() * 8;
            if (b.tableOffset() == 0 || bytes == 0 || bytes > Limits.MAX_L1_ENTRIES * 8) {
                continue;
            }
            if (b.tableOffset() < 0 || b.tableOffset() > s.file().size() - bytes) {
                // No table there to read (a damaged entry); its clusters show up as refcount errors.
                continue;
            }
            out.add(new long[] {b.tableOffset(), bytes});
            ByteBuffer t = ByteBuffer.allocate((int) bytes).order(ByteOrder.BIG_ENDIAN);
            s.file().read(b.tableOffset(), t);
            for (int i = 0; i < b.tableSize(); i++) {
                long off = t.getLong(i * 8) & L2Entry.OFFSET_MASK;
                if (off != 0) {
                    out.add(new long[] {off, s.geometry().clusterSize()});
                }
            }
        }
        return out;
    }
}
