package dev.jimg.block.file;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The Linux calls {@link java.nio.channels.FileChannel} does not offer — {@code lseek} with
 * SEEK_DATA/SEEK_HOLE, {@code fallocate} hole punching, {@code fdatasync}, {@code ftruncate},
 * {@code fstat} block counts — made through the FFM API on a second descriptor of the same file.
 *
 * <p>A second descriptor is enough because all of these act on the inode, not on the open file
 * description, so they see and affect exactly what the {@code FileChannel} reads and writes.
 * Where the library or a symbol is missing (not Linux), {@link #AVAILABLE} is false and callers
 * fall back to plain Java.
 */
final class NativeFileOps {
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    static final int ENXIO = 6;
    static final int EINTR = 4;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    /** {@code st_blocks} sits at byte 64 of {@code struct stat} on both x86-64 and aarch64 Linux. */
    private static final long STAT_BLOCKS_OFFSET = 64;
    private static final long STAT_SIZE = 256;

    static final boolean AVAILABLE;
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle LSEEK;
    private static final MethodHandle FALLOCATE;
    private static final MethodHandle FDATASYNC;
    private static final MethodHandle FTRUNCATE;
    private static final MethodHandle FSTAT;
    private static final StructLayout CAPTURE_LAYOUT;
    private static final VarHandle ERRNO;

    static {
        boolean ok;
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle lseek = null;
        MethodHandle fallocate = null;
        MethodHandle fdatasync = null;
        MethodHandle ftruncate = null;
        MethodHandle fstat = null;
        StructLayout capture = null;
        VarHandle errno = null;
        try {
            if (!System.getProperty("os.name", "").startsWith("Linux")) {
                throw new UnsupportedOperationException("not Linux");
            }
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            capture = Linker.Option.captureStateLayout();
            errno = capture.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
            Linker.Option errnoOption = Linker.Option.captureCallState("errno");
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
            open = linker.downcallHandle(libc.findOrThrow("open"),
                    FunctionDescriptor.of(i, ValueLayout.ADDRESS, i), errnoOption, Linker.Option.firstVariadicArg(2));
            close = linker.downcallHandle(libc.findOrThrow("close"), FunctionDescriptor.of(i, i));
            lseek = linker.downcallHandle(libc.findOrThrow("lseek"), FunctionDescriptor.of(l, i, l, i), errnoOption);
            fallocate = linker.downcallHandle(libc.findOrThrow("fallocate"),
                    FunctionDescriptor.of(i, i, i, l, l), errnoOption);
            fdatasync = linker.downcallHandle(libc.findOrThrow("fdatasync"), FunctionDescriptor.of(i, i), errnoOption);
            ftruncate = linker.downcallHandle(libc.findOrThrow("ftruncate"), FunctionDescriptor.of(i, i, l), errnoOption);
            fstat = linker.downcallHandle(libc.findOrThrow("fstat"),
                    FunctionDescriptor.of(i, i, ValueLayout.ADDRESS), errnoOption);
            ok = true;
        } catch (RuntimeException | LinkageError e) {
            // Not Linux, or native access denied: FileNode uses its portable fallbacks instead.
            ok = false;
        }
        AVAILABLE = ok;
        OPEN = open;
        CLOSE = close;
        LSEEK = lseek;
        FALLOCATE = fallocate;
        FDATASYNC = fdatasync;
        FTRUNCATE = ftruncate;
        FSTAT = fstat;
        CAPTURE_LAYOUT = capture;
        ERRNO = errno;
    }

    private NativeFileOps() {
    }

    /** The result of a call: its return value and the errno it left. */
    record Result(long value, int errno) {
        boolean failed() {
            return value < 0;
        }
    }

    static int open(Path path, boolean writable) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(path.toString());
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            int fd = (int) OPEN.invokeExact(state, name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
            if (fd < 0) {
                throw new IOException("open failed: " + strerror(errno(state)));
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native open failed unexpectedly", t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("native close failed unexpectedly", t);
        }
    }

    static Result lseek(int fd, long offset, int whence) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            long r = (long) LSEEK.invokeExact(state, fd, offset, whence);
            return new Result(r, r < 0 ? errno(state) : 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static Result fallocate(int fd, int mode, long offset, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            Result r;
            do {
                int rc = (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
                r = new Result(rc, rc < 0 ? errno(state) : 0);
            } while (r.failed() && r.errno() == EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static Result fdatasync(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            Result r;
            do {
                int rc = (int) FDATASYNC.invokeExact(state, fd);
                r = new Result(rc, rc < 0 ? errno(state) : 0);
            } while (r.failed() && r.errno() == EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static Result ftruncate(int fd, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            Result r;
            do {
                int rc = (int) FTRUNCATE.invokeExact(state, fd, length);
                r = new Result(rc, rc < 0 ? errno(state) : 0);
            } while (r.failed() && r.errno() == EINTR);
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Bytes allocated to the file ({@code st_blocks * 512}), or -1 if fstat fails. */
    static long allocatedBytes(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            int rc = (int) FSTAT.invokeExact(state, fd, stat);
            if (rc < 0) {
                return -1;
            }
            return stat.get(ValueLayout.JAVA_LONG, STAT_BLOCKS_OFFSET) * 512;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String strerror(int errno) {
        return switch (errno) {
            case 1 -> "Operation not permitted";
            case 2 -> "No such file or directory";
            case 5 -> "Input/output error";
            case ENXIO -> "No such device or address";
            case 9 -> "Bad file descriptor";
            case 13 -> "Permission denied";
            case 21 -> "Is a directory";
            case 22 -> "Invalid argument";
            case 27 -> "File too large";
            case 28 -> "No space left on device";
            case 30 -> "Read-only file system";
            case 95 -> "Operation not supported";
            default -> "errno " + errno;
        };
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed unexpectedly", t);
    }
}
