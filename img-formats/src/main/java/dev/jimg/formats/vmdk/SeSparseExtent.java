package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.Extent;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.util.Buffers;
import dev.jimg.block.util.FieldReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The space-efficient sparse extent ({@code SESPARSE}, ESXi 6.5+ snapshot deltas), read-only.
 * VMware has not published the format; this follows the layout qemu reads, with the same strict
 * checks. All fields little-endian u64, offsets and sizes in sectors:
 * <pre>
 * constant header (sector 0)           volatile header
 *   0 magic 0xcafebabe                   0 magic 0xcafecafe
 *   8 version 0x0000000200000001         8 free GT number
 *  16 capacity                          16 next transaction sequence number
 *  24 grain size (8)                    24 replay journal (must be 0: a dirty image is refused)
 *  32 grain table size (64)
 *  40 flags (0), 48..79 reserved (0)
 *  80 volatile header offset, size      96 journal header offset, size
 * 112 journal offset, size             128 grain directory offset, size
 * 144 grain tables offset, size        160 free bitmap offset, size
 * 176 backmap offset, size             192 grains offset, size
 * </pre>
 * A GD entry is 0 (no table) or {@code 0x10000000_xxxxxxxx}, the index of a table in the grain
 * table area. A GT entry's top nibble is its type: 0 unallocated, 1 unmapped and 2 zero (both read
 * as zero), 3 allocated, whose grain index is stored as {@code ((e >> 48) & 0xfff) | (e & 0xffffffffffff) << 12}.
 */
final class SeSparseExtent implements VmdkExtent {
    static final long CONST_MAGIC = 0xcafebabeL;
    static final long VOLATILE_MAGIC = 0xcafecafeL;
    static final long VERSION = 0x0000000200000001L;
    static final long GRAIN_SECTORS = 8;
    static final long GT_SECTORS = 64;
    private static final int GTES = (int) (GT_SECTORS * 512 / 8);
    private static final int CACHED_TABLES = 256;

    private final BlockNode file;
    private final long sectors;
    private final long[] gd;
    private final long tablesSector;
    private final long grainsSector;
    private final Map<Integer, long[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, long[]> eldest) {
            return size() > CACHED_TABLES;
        }
    };

    private SeSparseExtent(BlockNode file, long sectors, long[] gd, long tablesSector, long grainsSector) {
        this.file = file;
        this.sectors = sectors;
        this.gd = gd;
        this.tablesSector = tablesSector;
        this.grainsSector = grainsSector;
    }

    static boolean hasMagic(byte[] head) {
        return head.length >= 8 && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong(0) == CONST_MAGIC;
    }

    static SeSparseExtent open(BlockNode file, byte[] head, long sectors) throws IOException {
        FieldReader h = new FieldReader("seSparse constant header", head, ByteOrder.LITTLE_ENDIAN);
        if (h.u64("version", 8) != VERSION) {
            throw new NotSupportedException(file.filename(), "Unsupported seSparse version 0x"
                    + Long.toHexString(h.u64("version", 8)));
        }
        h.u64InRange("grain size", 24, GRAIN_SECTORS, GRAIN_SECTORS);
        h.u64InRange("grain table size", 32, GT_SECTORS, GT_SECTORS);
        for (int off = 40; off < 80; off += 8) {
            if (h.u64("flags/reserved", off) != 0) {
                throw new NotSupportedException(file.filename(), "Unsupported seSparse flags or reserved bits at"
                        + " offset " + off);
            }
        }
        long capacity = h.u64("capacity", 16);
        long fileSize = file.size();
        long volatileAt = sectorOffset(h, "volatile header offset", 80, fileSize);
        ByteBuffer vol = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        file.read(volatileAt, vol);
        if (vol.getLong(0) != VOLATILE_MAGIC) {
            throw new CorruptImageException(file.filename(), "Bad seSparse volatile header magic: 0x"
                    + Long.toHexString(vol.getLong(0)));
        }
        if (vol.getLong(24) != 0) {
            throw new NotSupportedException(file.filename(), "The seSparse image is dirty; replaying its journal is"
                    + " not supported");
        }
        long gdAt = sectorOffset(h, "grain directory offset", 128, fileSize);
        long gdBytes = h.u64("grain directory size", 136) * 512;
        long needed = (capacity + GRAIN_SECTORS * GTES - 1) / (GRAIN_SECTORS * GTES);
        if (gdBytes < 0 || gdBytes > fileSize - gdAt || gdBytes / 8 > GrainDirectory.MAX_GD_ENTRIES
                || gdBytes / 8 < needed || capacity < sectors) {
            throw new CorruptImageException(file.filename(), "seSparse grain directory of " + gdBytes
                    + " bytes at offset " + gdAt + " does not map the capacity of " + capacity
                    + " sectors within the file (" + fileSize + " bytes)");
        }
        ByteBuffer g = ByteBuffer.allocate((int) gdBytes).order(ByteOrder.LITTLE_ENDIAN);
        file.read(gdAt, g);
        long[] gd = new long[(int) (gdBytes / 8)];
        for (int i = 0; i < gd.length; i++) {
            gd[i] = g.getLong(i * 8);
        }
        return new SeSparseExtent(file, sectors, gd, sectorOffset(h, "grain tables offset", 144, fileSize) / 512,
                sectorOffset(h, "grains offset", 192, fileSize) / 512);
    }

    private static long sectorOffset(FieldReader h, String field, int at, long fileSize) {
        long sector = h.u64(field, at);
        if (sector <= 0 || sector > fileSize / 512) {
            throw h.corrupt(field, at, "sector " + Long.toUnsignedString(sector) + " lies outside the file of "
                    + fileSize + " bytes");
        }
        return sector * 512;
    }

    /** The GT entry of {@code grain}, or 0 when its table is not allocated. */
    private long entry(long grain) throws IOException {
        int index = (int) (grain / GTES);
        if (index >= gd.length || gd[index] == 0) {
            return 0;
        }
        return table(index)[(int) (grain % GTES)];
    }

    private synchronized long[] table(int index) throws IOException {
        long[] t = cache.get(index);
        if (t != null) {
            return t;
        }
        long e = gd[index];
        if ((e & 0xffffffff00000000L) != 0x1000000000000000L) {
            throw new CorruptImageException(file.filename(), "Invalid seSparse grain directory entry " + index
                    + ": 0x" + Long.toHexString(e));
        }
        long at = (tablesSector + (e & 0xffffffffL) * GT_SECTORS) * 512;
        if (at + GT_SECTORS * 512 > file.size()) {
            throw new CorruptImageException(file.filename(), "seSparse grain table " + index + " at offset " + at
                    + " lies past the end of the file");
        }
        ByteBuffer b = ByteBuffer.allocate(GTES * 8).order(ByteOrder.LITTLE_ENDIAN);
        file.read(at, b);
        t = new long[GTES];
        for (int i = 0; i < GTES; i++) {
            t[i] = b.getLong(i * 8);
        }
        cache.put(index, t);
        return t;
    }

    /** -1 unallocated, -2 zero, else the grain's file offset. */
    private long locate(long grain) throws IOException {
        long e = entry(grain);
        switch ((int) (e >>> 60)) {
            case 0:
                if (e != 0) {
                    throw corruptEntry(grain, e);
                }
                return -1;
            case 1, 2:
                return -2;
            case 3:
                long index = ((e & 0x0fff000000000000L) >>> 48) | ((e & 0x0000ffffffffffffL) << 12);
                long at = (grainsSector + index * GRAIN_SECTORS) * 512;
                if (index < 0 || at < 0 || at >= file.size()) {
                    throw new CorruptImageException(file.filename(), "seSparse grain " + grain + " lies past the end"
                            + " of the file");
                }
                return at;
            default:
                throw corruptEntry(grain, e);
        }
    }

    private CorruptImageException corruptEntry(long grain, long e) {
        return new CorruptImageException(file.filename(), "Invalid seSparse grain table entry for grain " + grain
                + ": 0x" + Long.toHexString(e));
    }

    @Override
    public long sectors() {
        return sectors;
    }

    @Override
    public BlockNode file() {
        return file;
    }

    @Override
    public long grainBytes() {
        return GRAIN_SECTORS * 512;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long grainBytes = grainBytes();
        while (dst.hasRemaining()) {
            long grain = offset / grainBytes;
            int in = (int) (offset % grainBytes);
            int n = (int) Math.min(dst.remaining(), grainBytes - in);
            ByteBuffer chunk = dst.slice(dst.position(), n);
            long at = locate(grain);
            if (at < 0) {
                Buffers.fillZero(chunk);
            } else {
                file.read(at + in, chunk);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, Fill fill) {
        throw new NotSupportedException(file.filename(), "No write support for seSparse images available");
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap, Fill fill) {
        throw new NotSupportedException(file.filename(), "No write support for seSparse images available");
    }

    @Override
    public Extent status(long offset, long length) throws IOException {
        long grainBytes = grainBytes();
        long n = Math.min(length, grainBytes - offset % grainBytes);
        long at = locate(offset / grainBytes);
        if (at == -1) {
            return Extent.unallocated(offset, n);
        }
        if (at == -2) {
            return Extent.zero(offset, n);
        }
        return Extent.data(offset, n, at + offset % grainBytes, file.filename());
    }

    @Override
    public Map<String, Object> info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("virtual-size", sectors * 512);
        m.put("filename", file.filename());
        m.put("cluster-size", grainBytes());
        m.put("format", "SESPARSE");
        return m;
    }
}
