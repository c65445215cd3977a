package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The two-level map of a sparse extent: the grain directory (GD) of grain table sectors, the
 * grain tables (GTs) of grain sectors, and the redundant copy of both when the extent has one.
 *
 * <p>Everything read from the file is checked before it is trusted: the GD must fit in the file
 * (which bounds what a crafted capacity can make us allocate), every GT must lie in the file,
 * outside the header and the GD, and no two GD entries may share a GT — a "loop" that would make
 * a write to one part of the disk change another.
 *
 * <p>All methods synchronise on this object, which is also the lock for allocation of new sectors
 * at the end of the file.
 *
 * <p><b>Crash safety.</b> New grains and tables are written at once, but the GT and GD entries
 * that point to them are held back until {@link #writeBack}, which flushes the file first: a
 * power cut can then lose new grains (the entries were not yet written) or leave them leaked, but
 * never leave an entry pointing at a grain or table that did not reach the disk. Held entries
 * overlay the tables read from the file, and at most {@link #MAX_PENDING_ENTRIES} are held.
 */
final class GrainDirectory {
    /** Grain tables kept in memory; 2 MiB with VMware's 512-entry tables. */
    static final int MAX_CACHED_TABLES = 1024;
    /** 32 Mi tables of 32 MiB each cover 1 PiB, beyond any VMDK; more is a damaged header. */
    static final long MAX_GD_ENTRIES = 1L << 25;

    private final BlockNode file;
    private final String name;
    private final SparseHeader header;
    private final long gdSector;
    private final int[] gd;
    private final long rgdSector;
    private final int[] rgd;
    private final Map<Integer, int[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, int[]> eldest) {
            return size() > MAX_CACHED_TABLES;
        }
    };
    /** The next free sector at the end of the file, for new grains and tables. */
    private long nextSector;
    /**
     * Entries held back until the file is flushed: byte offset of a 4-byte GD, RGD, GT or RGT
     * entry in the file → its new value.
     */
    private final TreeMap<Long, Integer> pending = new TreeMap<>();
    /** Held entries beyond this are written back early (a flush of the file, then the entries): about 4 MiB. */
    static final int MAX_PENDING_ENTRIES = 1 << 16;

    private GrainDirectory(BlockNode file, String name, SparseHeader header, long gdSector, int[] gd, long rgdSector,
            int[] rgd, long nextSector) {
        this.file = file;
        this.name = name;
        this.header = header;
        this.gdSector = gdSector;
        this.gd = gd;
        this.rgdSector = rgdSector;
        this.rgd = rgd;
        this.nextSector = nextSector;
    }

    /**
     * Reads and checks the GD at {@code gdSector} (and the redundant one when the header has it).
     */
    static GrainDirectory load(BlockNode file, String name, SparseHeader header, long gdSector) throws IOException {
        long fileSize = file.size();
        long entries = header.gdEntries();
        if (entries > MAX_GD_ENTRIES || entries * 4 > fileSize) {
            throw new CorruptImageException(name, "VMDK capacity of " + header.capacity + " sectors needs a grain"
                    + " directory of " + entries + " entries, which does not fit in the file (" + fileSize
                    + " bytes): L1 size too big");
        }
        int[] gd = readDirectory(file, name, "grain directory", gdSector, (int) entries, header, fileSize);
        int[] rgd = null;
        long rgdSector = 0;
        if (header.redundantGd() && !header.compressed()) {
            rgdSector = header.rgdOffset;
            rgd = readDirectory(file, name, "redundant grain directory", rgdSector, (int) entries, header, fileSize);
        }
        long next = (fileSize + 511) / 512;
        return new GrainDirectory(file, name, header, gdSector, gd, rgdSector, rgd, next);
    }

    private static int[] readDirectory(BlockNode file, String name, String what, long sector, int entries,
            SparseHeader header, long fileSize) throws IOException {
        long start = sector * 512;
        if (sector <= 0 || sector > fileSize / 512 || start + entries * 4L > fileSize) {
            throw new CorruptImageException(name, "VMDK " + what + " at sector " + Long.toUnsignedString(sector)
                    + " with " + entries + " entries lies outside the file (" + fileSize + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate(entries * 4).order(ByteOrder.LITTLE_ENDIAN);
        file.read(start, buf);
        buf.flip();
        int[] dir = new int[entries];
        for (int i = 0; i < entries; i++) {
            dir[i] = buf.getInt();
        }
        checkTables(name, what, dir, start, entries * 4L, header.gtBytes(), fileSize);
        return dir;
    }

    private static void checkTables(String name, String what, int[] dir, long dirStart, long dirBytes, long gtBytes,
            long fileSize) {
        long[] sorted = new long[dir.length];
        int n = 0;
        for (int i = 0; i < dir.length; i++) {
            long gt = Integer.toUnsignedLong(dir[i]);
            if (gt == 0) {
                continue;
            }
            long at = gt * 512;
            if (at + gtBytes > fileSize) {
                throw new CorruptImageException(name, "VMDK " + what + " entry " + i + " points to a grain table at"
                        + " sector " + gt + ", past the end of the file (" + fileSize + " bytes)");
            }
            if (at < 512 || (at < dirStart + dirBytes && dirStart < at + gtBytes)) {
                throw new CorruptImageException(name, "VMDK " + what + " entry " + i + " points to a grain table at"
                        + " sector " + gt + ", which overlaps the header or the directory itself");
            }
            sorted[n++] = gt << 25 | i;
        }
        Arrays.sort(sorted, 0, n);
        for (int k = 1; k < n; k++) {
            if (sorted[k] >>> 25 == sorted[k - 1] >>> 25) {
                throw new CorruptImageException(name, "VMDK " + what + " entries " + (sorted[k - 1] & 0x1ffffff)
                        + " and " + (sorted[k] & 0x1ffffff) + " share the grain table at sector "
                        + (sorted[k] >>> 25) + " (a loop in the grain tables)");
            }
        }
    }

    int entries() {
        return gd.length;
    }

    /** The grain table entry of grain {@code grain}: 0 unallocated, 1 zeroed (if enabled), else a sector. */
    synchronized int entry(long grain) throws IOException {
        int table = (int) (grain / header.gtesPerGt);
        if (table >= gd.length || gd[table] == 0) {
            return 0;
        }
        return table(table)[(int) (grain % header.gtesPerGt)];
    }

    /** Grain table {@code index}, loaded on first use; callers hold the monitor. */
    private int[] table(int index) throws IOException {
        int[] t = cache.get(index);
        if (t == null) {
            t = readTable(gd[index]);
            cache.put(index, t);
        }
        return t;
    }

    /** A copy of grain table {@code index}, or null when the GD has none (for check and status runs). */
    synchronized int[] tableCopy(int index) throws IOException {
        if (gd[index] == 0) {
            return null;
        }
        return table(index).clone();
    }

    private int[] readTable(int sector) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(header.gtesPerGt * 4).order(ByteOrder.LITTLE_ENDIAN);
        file.read(Integer.toUnsignedLong(sector) * 512, buf);
        buf.flip();
        int[] t = new int[header.gtesPerGt];
        for (int i = 0; i < t.length; i++) {
            t[i] = buf.getInt();
        }
        long start = Integer.toUnsignedLong(sector) * 512;
        for (Map.Entry<Long, Integer> e : pending.subMap(start, start + t.length * 4L).entrySet()) {
            t[(int) ((e.getKey() - start) / 4)] = e.getValue();
        }
        return t;
    }

    /** Holds back the entry at byte {@code at} of the file; see the class comment. */
    private void hold(long at, int value) throws IOException {
        pending.put(at, value);
        if (pending.size() > MAX_PENDING_ENTRIES) {
            writeBack();
        }
    }

    /**
     * Flushes the file, so that every grain and table written so far is on disk, then writes the
     * held entries that point to them (runs of adjacent entries in one write). The caller flushes
     * the file afterwards to make the entries durable too.
     */
    synchronized void writeBack() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        file.flush();
        while (!pending.isEmpty()) {
            long first = pending.firstKey();
            int n = 1;
            while (pending.containsKey(first + 4L * n) && n < header.gtesPerGt) {
                n++;
            }
            ByteBuffer run = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                run.putInt(pending.remove(first + 4L * i));
            }
            file.write(first, run.flip());
        }
    }

    /** Reserves {@code sectors} sectors at the end of the file. */
    synchronized long allocate(long sectors) {
        long at = nextSector;
        if (at + sectors > 0xffffffffL) {
            throw new CorruptImageException(name, "VMDK sparse extent is full: grain sectors are 32-bit");
        }
        nextSector += sectors;
        return at;
    }

    /** Sets the entry of grain {@code grain}, allocating its grain table if the GD has none. */
    synchronized void setEntry(long grain, int value) throws IOException {
        int index = (int) (grain / header.gtesPerGt);
        int slot = (int) (grain % header.gtesPerGt);
        if (index >= gd.length) {
            throw new CorruptImageException(name, "Cannot write grain " + grain + ": the extent is larger than"
                    + " the capacity of its sparse header (" + header.capacity + " sectors)");
        }
        if (gd[index] == 0) {
            gd[index] = allocateTable(gdSector, index);
        }
        table(index)[slot] = value;
        hold(Integer.toUnsignedLong(gd[index]) * 512 + slot * 4L, value);
        if (rgd != null) {
            if (rgd[index] == 0) {
                rgd[index] = allocateTable(rgdSector, index);
            }
            hold(Integer.toUnsignedLong(rgd[index]) * 512 + slot * 4L, value);
        }
    }

    /**
     * Points {@code count} consecutive grains from {@code first} at consecutive grains starting at
     * {@code firstSector}, writing each grain table's changed entries in one piece.
     */
    synchronized void setEntries(long first, int count, long firstSector) throws IOException {
        long grain = first;
        long sector = firstSector;
        int left = count;
        while (left > 0) {
            int index = (int) (grain / header.gtesPerGt);
            int slot = (int) (grain % header.gtesPerGt);
            int n = Math.min(left, header.gtesPerGt - slot);
            if (index >= gd.length) {
                throw new CorruptImageException(name, "Cannot write grain " + grain + ": the extent is larger than"
                        + " the capacity of its sparse header (" + header.capacity + " sectors)");
            }
            if (gd[index] == 0) {
                gd[index] = allocateTable(gdSector, index);
            }
            int[] t = table(index);
            if (rgd != null && rgd[index] == 0) {
                rgd[index] = allocateTable(rgdSector, index);
            }
            for (int i = 0; i < n; i++) {
                int value = (int) (sector + i * header.grainSectors);
                t[slot + i] = value;
                hold(Integer.toUnsignedLong(gd[index]) * 512 + (slot + i) * 4L, value);
                if (rgd != null) {
                    hold(Integer.toUnsignedLong(rgd[index]) * 512 + (slot + i) * 4L, value);
                }
            }
            grain += n;
            sector += n * header.grainSectors;
            left -= n;
        }
    }

    private int allocateTable(long directorySector, int index) throws IOException {
        long gtSectors = header.gtBytes() / 512;
        long at = allocate(gtSectors);
        file.write(at * 512, ByteBuffer.allocate((int) header.gtBytes()));
        hold(directorySector * 512 + index * 4L, (int) at);
        return (int) at;
    }
}
