package dev.jimg.block.file;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The {@code FS_IOC_FIEMAP} ioctl: up to {@link #EXTENTS_PER_CALL} of a file's extents in one
 * call, read into an {@link AllocationWindow}.
 *
 * <p>Used for read-only files only, and always with {@code FIEMAP_FLAG_SYNC}. Without the flag
 * the kernel reports extents as they are on disk, and data still waiting in the page cache (a
 * file written a moment ago, whose blocks are not yet allocated) would look like a hole: the
 * reason QEMU once lost data through FIEMAP and moved to {@code lseek(SEEK_DATA)}. The flag
 * writes such pages back first (and on ext4 and XFS, waiting for that write-back also waits for
 * the blocks it wrote to stop being unwritten); on a file nobody is writing it costs nothing.
 *
 * <p>A file system without FIEMAP (tmpfs, NFS, FUSE file systems) fails the call, and the
 * caller goes back to {@code lseek}.
 */
final class Fiemap {
    /** {@code _IOWR('f', 11, struct fiemap)}. */
    private static final long FS_IOC_FIEMAP = 0xC020660BL;
    private static final int FIEMAP_FLAG_SYNC = 0x1;
    private static final int EXTENT_LAST = 0x1;
    private static final int EXTENT_UNWRITTEN = 0x800;

    // struct fiemap: u64 fm_start, u64 fm_length, u32 fm_flags, u32 fm_mapped_extents,
    // u32 fm_extent_count, u32 fm_reserved, then the extents.
    private static final int FM_START = 0;
    private static final int FM_LENGTH = 8;
    private static final int FM_FLAGS = 16;
    private static final int FM_MAPPED_EXTENTS = 20;
    private static final int FM_EXTENT_COUNT = 24;
    private static final int HEADER_SIZE = 32;
    // struct fiemap_extent: u64 fe_logical, u64 fe_physical, u64 fe_length, u64 reserved[2],
    // u32 fe_flags, u32 reserved[3].
    private static final int EXTENT_SIZE = 56;
    private static final int FE_LOGICAL = 0;
    private static final int FE_LENGTH = 16;
    private static final int FE_FLAGS = 40;

    /** About 56 KiB of buffer: the thousands of extents of a fragmented image in a few calls. */
    static final int EXTENTS_PER_CALL = 1024;

    private Fiemap() {
    }

    /**
     * The data runs of the file behind {@code fd} from {@code offset} on, up to {@code fileEnd}
     * (its size) or as far as one call's extents reach; null if the file system cannot tell.
     */
    static AllocationWindow read(int fd, long offset, long fileEnd) {
        return read(fd, offset, fileEnd, EXTENTS_PER_CALL);
    }

    static AllocationWindow read(int fd, long offset, long fileEnd, int extentsPerCall) {
        if (offset < 0 || offset >= fileEnd) {
            throw new IllegalArgumentException("offset " + offset + " outside the file's " + fileEnd + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(HEADER_SIZE + (long) EXTENT_SIZE * extentsPerCall, 8);
            ByteBuffer b = NativeFileOps.view(request);
            b.putLong(FM_START, offset);
            b.putLong(FM_LENGTH, fileEnd - offset);
            b.putInt(FM_FLAGS, FIEMAP_FLAG_SYNC);
            b.putInt(FM_EXTENT_COUNT, extentsPerCall);
            if (NativeFileOps.ioctl(fd, FS_IOC_FIEMAP, request.address()) < 0) {
                return null;
            }
            return window(b, offset, fileEnd, extentsPerCall);
        }
    }

    private static AllocationWindow window(ByteBuffer b, long offset, long fileEnd, int extentsPerCall) {
        int mapped = b.getInt(FM_MAPPED_EXTENTS);
        if (mapped < 0 || mapped > extentsPerCall) {
            throw new IllegalStateException("FIEMAP reported " + mapped + " extents for a buffer of " + extentsPerCall);
        }
        long[] starts = new long[mapped];
        long[] ends = new long[mapped];
        boolean[] unwritten = new boolean[mapped];
        int runs = 0;
        long end = fileEnd;
        for (int i = 0; i < mapped; i++) {
            int at = HEADER_SIZE + i * EXTENT_SIZE;
            long logical = b.getLong(at + FE_LOGICAL);
            long extentEnd = logical + b.getLong(at + FE_LENGTH);
            int flags = b.getInt(at + FE_FLAGS);
            if (i == mapped - 1 && mapped == extentsPerCall && (flags & EXTENT_LAST) == 0) {
                end = Math.min(extentEnd, fileEnd); // more extents follow: the next call goes on from here
            }
            long runStart = Math.max(logical, offset);
            long runEnd = Math.min(extentEnd, fileEnd);
            if (runEnd <= runStart) {
                continue;
            }
            boolean isUnwritten = (flags & EXTENT_UNWRITTEN) != 0;
            if (runs > 0 && runStart <= ends[runs - 1] && unwritten[runs - 1] == isUnwritten) {
                ends[runs - 1] = Math.max(ends[runs - 1], runEnd); // physically split, logically one run
            } else {
                starts[runs] = runStart;
                ends[runs] = runEnd;
                unwritten[runs] = isUnwritten;
                runs++;
            }
        }
        if (end <= offset) {
            return null; // an answer that would not move the caller on: let lseek decide
        }
        return new AllocationWindow(offset, end, Arrays.copyOf(starts, runs), Arrays.copyOf(ends, runs),
                Arrays.copyOf(unwritten, runs));
    }
}
