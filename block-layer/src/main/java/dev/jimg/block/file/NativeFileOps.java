package dev.jimg.block.file;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
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
 *
 * <p>Every call goes through one downcall handle to libc's {@code syscall(2)} wrapper. Each FFM
 * downcall handle costs a generated stub at start-up (tens of milliseconds on a cold JVM), and
 * start-up is part of the product: one handle instead of seven. Where the platform is not Linux
 * on x86-64 or aarch64, {@link #AVAILABLE} is false and callers fall back to plain Java.
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
    private static final int AT_FDCWD = -100;
    /** {@code st_blocks} sits at byte 64 of the kernel's {@code struct stat} on x86-64 and on aarch64. */
    private static final long STAT_BLOCKS_OFFSET = 64;
    private static final long STAT_SIZE = 256;

    /** System call numbers; x86-64 and the generic table aarch64 uses differ. */
    private record Syscalls(long openat, long close, long lseek, long fallocate, long fdatasync, long ftruncate,
            long fstat) {
        static Syscalls forArch(String arch) {
            return switch (arch) {
                case "amd64", "x86_64" -> new Syscalls(257, 3, 8, 285, 75, 77, 5);
                case "aarch64" -> new Syscalls(56, 57, 62, 47, 83, 46, 80);
                default -> null;
            };
        }
    }

    static final boolean AVAILABLE;
    private static final Syscalls NR;
    private static final MethodHandle SYSCALL;
    private static final StructLayout CAPTURE_LAYOUT;
    private static final VarHandle ERRNO;

    static {
        Syscalls nr = System.getProperty("os.name", "").startsWith("Linux")
                ? Syscalls.forArch(System.getProperty("os.arch", "")) : null;
        MethodHandle syscall = null;
        StructLayout capture = null;
        VarHandle errno = null;
        if (nr != null) {
            try {
                Linker linker = Linker.nativeLinker();
                capture = Linker.Option.captureStateLayout();
                errno = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
                syscall = linker.downcallHandle(linker.defaultLookup().findOrThrow("syscall"),
                        FunctionDescriptor.of(l, l, l, l, l, l), Linker.Option.captureCallState("errno"),
                        Linker.Option.firstVariadicArg(1));
            } catch (RuntimeException | LinkageError e) {
                // Native access denied or libc without syscall(): FileNode uses its fallbacks.
                syscall = null;
            }
        }
        AVAILABLE = syscall != null;
        NR = nr;
        SYSCALL = syscall;
        CAPTURE_LAYOUT = capture;
        ERRNO = errno;
    }

    private NativeFileOps() {
    }

    /** Initialises the native linkage now, e.g. on a background thread at start-up. */
    static boolean warmUp() {
        return AVAILABLE;
    }

    /** The result of a call: its return value and the errno it left. */
    record Result(long value, int errno) {
        boolean failed() {
            return value < 0;
        }
    }

    private static Result call(long number, long a, long b, long c, long d) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
            Result r;
            do {
                long rc = (long) SYSCALL.invokeExact(state, number, a, b, c, d);
                r = new Result(rc, rc < 0 ? (int) ERRNO.get(state, 0L) : 0);
            } while (r.failed() && r.errno() == EINTR);
            return r;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed unexpectedly", t);
        }
    }

    static int open(Path path, boolean writable) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(path.toString());
            Result r = call(NR.openat(), AT_FDCWD, name.address(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
            if (r.failed()) {
                throw new IOException("open " + path + " failed: " + strerror(r.errno()));
            }
            return (int) r.value();
        }
    }

    static void close(int fd) {
        call(NR.close(), fd, 0, 0, 0);
    }

    static Result lseek(int fd, long offset, int whence) {
        return call(NR.lseek(), fd, offset, whence, 0);
    }

    static Result fallocate(int fd, int mode, long offset, long length) {
        return call(NR.fallocate(), fd, mode, offset, length);
    }

    static Result fdatasync(int fd) {
        return call(NR.fdatasync(), fd, 0, 0, 0);
    }

    static Result ftruncate(int fd, long length) {
        return call(NR.ftruncate(), fd, length, 0, 0);
    }

    /** Bytes allocated to the file ({@code st_blocks * 512}), or -1 if fstat fails. */
    static long allocatedBytes(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            Result r = call(NR.fstat(), fd, stat.address(), 0, 0);
            if (r.failed()) {
                return -1;
            }
            return stat.get(ValueLayout.JAVA_LONG, STAT_BLOCKS_OFFSET) * 512;
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
}
