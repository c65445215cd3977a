package dev.jimg.block.file;

import java.util.Arrays;

/**
 * Where a file holds data over one stretch of it, as one {@code FS_IOC_FIEMAP} answer told it
 * ({@link Fiemap}): the sorted, disjoint runs of data in {@code [start, end)}, and of unwritten
 * (preallocated) blocks; everything else in that stretch is a hole.
 *
 * <p>Unwritten blocks read as zeroes, but {@code lseek(SEEK_DATA)} counts them as data wherever
 * the page cache holds their pages (a preallocated image just written or read), and QEMU's
 * block status follows {@code lseek}. So that jimg's answers stay QEMU's, such runs are left to
 * {@code lseek}: this window only says where they are.
 *
 * <p>It exists so that a read-only file with thousands of extents costs one native call per
 * thousand extents rather than two {@code lseek} calls per extent: {@code map} and
 * {@code convert} ask for the status of each extent in turn, and each native call costs several
 * times its kernel work while the JVM is still interpreting (docs/startup.md).
 *
 * @param start first byte this window describes
 * @param end   end (exclusive) of what it describes
 * @param runStarts first byte of each run, ascending
 * @param runEnds   end (exclusive) of each run; {@code runEnds[i] <= runStarts[i + 1]}
 * @param unwritten whether each run is of unwritten blocks rather than of data
 */
record AllocationWindow(long start, long end, long[] runStarts, long[] runEnds, boolean[] unwritten) {
    AllocationWindow {
        if (runStarts.length != runEnds.length || runStarts.length != unwritten.length) {
            throw new IllegalArgumentException("run starts, ends and kinds differ in number");
        }
    }

    boolean covers(long offset) {
        return offset >= start && offset < end;
    }

    /**
     * The run at {@code offset}, which must be {@linkplain #covers covered}, and {@code limit}
     * greater than it: as data (positive length) the bytes from {@code offset} to where the data
     * run ends, or as a hole (negative length) those to where the next run begins; never past
     * {@code limit} or this window's end. 0 where the blocks at {@code offset} are unwritten,
     * which only {@code lseek} can answer as QEMU does.
     */
    long runLength(long offset, long limit) {
        long until = Math.min(limit, end);
        int i = Arrays.binarySearch(runStarts, offset);
        if (i < 0 && -i - 1 > 0 && runEnds[-i - 2] > offset) {
            i = -i - 2; // inside the run that starts before offset
        }
        if (i >= 0) {
            return unwritten[i] ? 0 : Math.min(runEnds[i], until) - offset;
        }
        int next = -i - 1; // the first run starting after offset
        long zeroEnd = next < runStarts.length ? Math.min(runStarts[next], until) : until;
        return -(zeroEnd - offset);
    }
}
