package dev.jimg.cli.convert;

import dev.jimg.block.util.ZeroDetector;
import java.nio.ByteBuffer;

/**
 * Finds the runs of a data buffer that {@code convert} writes and those it may skip, sector by
 * sector (512 bytes), with the rules of qemu-img's {@code -S} (its {@code is_allocated_sectors}
 * and {@code is_allocated_sectors_min}), so that outputs are as sparse as qemu-img's.
 */
final class ZeroRuns {
    private static final int SECTOR = 512;

    private final ByteBuffer buffer;
    private final int length;
    private final int sectors;
    private final long firstSector;
    private final int alignment;
    private final int minSparse;
    private boolean lastIsData;

    /**
     * @param buffer      the data, from index 0
     * @param length      bytes of data (a partial last sector counts as a sector)
     * @param firstSector the guest sector of the buffer's first byte
     * @param alignment   the target's allocation unit in sectors (a power of two)
     * @param minSparse   the shortest zero run, in sectors, skipped between two data runs
     */
    ZeroRuns(ByteBuffer buffer, int length, long firstSector, int alignment, int minSparse) {
        this.buffer = buffer;
        this.length = length;
        this.sectors = (length + SECTOR - 1) / SECTOR;
        this.firstSector = firstSector;
        this.alignment = alignment;
        this.minSparse = minSparse;
    }

    int sectors() {
        return sectors;
    }

    /** Whether the run last returned by {@link #runFrom} is data. */
    boolean lastRunIsData() {
        return lastIsData;
    }

    /**
     * The length in sectors of the run starting at sector {@code from}: data with short zero gaps
     * absorbed, or zeroes; {@link #lastRunIsData} tells which.
     */
    int runFrom(int from) {
        int count = sectors - from;
        int min = Math.min(minSparse, count);
        int first = sameRun(from, count);
        if (!lastIsData) {
            return first;
        }
        int used = first;
        int checked = first;
        while (checked < count) {
            int n = sameRun(from + checked, count - checked);
            checked += n;
            if (lastIsData) {
                used = checked;
            } else if (n >= min) {
                break;
            }
        }
        lastIsData = true;
        return used;
    }

    /** A run of sectors with the same zero state, with its end moved to the allocation unit. */
    private int sameRun(int from, int count) {
        boolean zero = isZero(from);
        int i = zero ? zeroSectors(from, count) : 1;
        while (!zero && i < count && !isZero(from + i)) {
            i++;
        }
        if (i < count) {
            int tail = (int) ((firstSector + from + i) & (alignment - 1));
            if (tail != 0) {
                if (zero && i <= tail) {
                    // The zero run lies inside a unit that data will allocate anyway.
                    zero = false;
                }
                if (!zero) {
                    i = Math.min(i + alignment - tail, count);
                } else {
                    i -= tail;
                }
            }
        }
        lastIsData = !zero;
        return i;
    }

    /**
     * The number of all-zero sectors from {@code from} (at most {@code count}), found in bulk: a
     * zero run inside allocated data (a VHD or VHDX block, a preallocated qcow2 cluster) can be
     * megabytes long, and asking sector by sector cost more than the conversion's copying.
     */
    private int zeroSectors(int from, int count) {
        int start = from * SECTOR;
        int zeroBytes = ZeroDetector.zeroPrefix(buffer, start, length - start);
        return start + zeroBytes >= length ? count : zeroBytes / SECTOR;
    }

    private boolean isZero(int sector) {
        int from = sector * SECTOR;
        return ZeroDetector.isZero(buffer, from, Math.min(SECTOR, length - from));
    }
}
