package dev.jimg.block.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The Linux calls {@link java.nio.channels.FileChannel} does not offer — {@code lseek} with
 * SEEK_DATA/SEEK_HOLE, {@code fallocate} hole punching, {@code fdatasync}, {@code ftruncate},
 * {@code fstat} block counts, {@code copy_file_range}, the FIEMAP {@code ioctl} — made through
 * the FFM API on a second descriptor of the same file; and the anonymous mappings of
 * {@link HugePageBuffers}.
 *
 * <p>A second descriptor is enough because all of these act on the inode, not on the open file
 * description, so they see and affect exactly what the {@code FileChannel} reads and writes;
 * {@link #openSameFile} checks that it is the same inode.
 *
 * <p>Every call goes through one downcall handle to libc's {@code syscall(2)} wrapper. Each FFM
 * downcall handle costs a generated stub at start-up (tens of milliseconds on a cold JVM), and
 * start-up is part of the product: one handle instead of one per call, created in {@link Linkage} on
 * first use (or by {@link #warmUp} on a background thread), never just because a file was opened;
 * a second one, which captures errno, only once a call fails or data is synced.
 * Where the platform is not Linux on x86-64 or aarch64, or native access is denied,
 * {@link #available()} is false and callers fall back to plain Java.
 */
final class NativeFileOps {
    static final int SEEK_CUR = 1;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    static final int ENXIO = 6;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENOSPC = 28;
    static final int EFBIG = 27;
    static final int EDQUOT = 122;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int AT_FDCWD = -100;
    /** {@code st_blocks} sits at byte 64 of the kernel's {@code struct stat} on x86-64 and on aarch64. */
    private static final long STAT_BLOCKS_OFFSET = 64;
    private static final long STAT_SIZE = 256;

    /** System call numbers; x86-64 and the generic table aarch64 uses differ. */
    private record Syscalls(long openat, long close, long lseek, long fallocate, long fdatasync, long ftruncate,
            long fstat, long fcntl, long copyFileRange, long ioctl, long mmap, long munmap, long madvise) {
        static Syscalls forArch(String arch) {
            return switch (arch) {
                case "amd64", "x86_64" -> new Syscalls(257, 3, 8, 285, 75, 77, 5, 72, 326, 16, 9, 11, 28);
                case "aarch64" -> new Syscalls(56, 57, 62, 47, 83, 46, 80, 25, 285, 29, 222, 215, 233);
                default -> null;
            };
        }
    }

    /** The system call numbers of this platform, or null where native calls do not apply; no FFM involved. */
    private static final Syscalls NR = System.getProperty("os.name", "").startsWith("Linux")
            ? Syscalls.forArch(System.getProperty("os.arch", "")) : null;

    /**
     * The FFM linkage, set up when this class is first initialised: the expensive part, most of it
     * method-handle plumbing the JDK generates classes for at run time, so it is kept lean.
     *
     * <p>{@code syscall} is variadic in C, but it is declared here with seven fixed {@code long}
     * parameters (the call's number and the six arguments a Linux system call can take), without
     * {@link Linker.Option#firstVariadicArg}: on the two ABIs this class supports a variadic call
     * passes integer arguments exactly as a fixed one (x86-64 also sets AL to the number of vector
     * registers used, which libc's {@code syscall} does not read), and the variadic adaptation made
     * the linkage a third more expensive. The function's address is passed on each call rather
     * than bound into the handle, one adaptation less.
     *
     * <p>This handle does not capture errno: the capture costs about as much as the rest of a
     * call while the call runs interpreted, which is how {@code map} makes its thousands of
     * {@code lseek} calls. errno matters only when a call fails; {@link #call} then makes the call
     * again through {@link ErrnoLinkage}'s capturing handle, linked on first need.
     *
     * <p>Initialisation also makes one call ({@link #prime}), so that whoever waits for it (the
     * main thread, while a background thread initialises) finds the call path linked.
     */
    private static final class Linkage {
        static final MemorySegment SYSCALL_ADDRESS;
        static final MethodHandle SYSCALL;

        static {
            MemorySegment address = null;
            MethodHandle syscall = null;
            if (NR != null) {
                try {
                    Linker linker = Linker.nativeLinker();
                    address = linker.defaultLookup().findOrThrow("syscall");
                    syscall = linker.downcallHandle(SYSCALL_DESCRIPTOR);
                } catch (RuntimeException | LinkageError e) {
                    // Native access denied or libc without syscall(): FileNode uses its fallbacks.
                    syscall = null;
                }
            }
            SYSCALL_ADDRESS = address;
            SYSCALL = syscall;
            if (syscall != null) {
                prime();
            }
        }

        /**
         * The first call through a method handle costs milliseconds of linking of its own; this
         * makes one that fails harmlessly ({@code lseek} on descriptor -1), through the method
         * {@code map} calls thousands of times, without asking for errno (which would link the
         * capturing handle too).
         */
        private static void prime() {
            lseek(-1, 0, SEEK_CUR);
        }
    }

    private static final FunctionDescriptor SYSCALL_DESCRIPTOR;

    static {
        ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
        SYSCALL_DESCRIPTOR = FunctionDescriptor.of(l, l, l, l, l, l, l, l);
    }

    /**
     * The same call with errno captured, for failed calls and for {@code fdatasync}; linked the
     * first time one is made (a second generated stub), which a run without failures never does.
     * errno is read at its offset in the capture state rather than through a layout path, whose
     * machinery costs as much again.
     */
    private static final class ErrnoLinkage {
        static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(SYSCALL_DESCRIPTOR,
                Linker.Option.captureCallState("errno"));
        static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
        static final long ERRNO_OFFSET = offsetOf(CAPTURE_LAYOUT, "errno");
        /**
         * Each thread's buffer for the errno a call leaves, reused from call to call.
         * {@code ofAuto}, because the threads include short-lived virtual ones.
         */
        static final ThreadLocal<MemorySegment> CAPTURE_STATE =
                ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

        /** Byte offset of member {@code name} in {@code struct} (whose padding is explicit). */
        private static long offsetOf(StructLayout struct, String name) {
            long offset = 0;
            for (MemoryLayout member : struct.memberLayouts()) {
                if (member.name().filter(name::equals).isPresent()) {
                    return offset;
                }
                offset += member.byteSize();
            }
            throw new IllegalStateException("no " + name + " in " + struct);
        }
    }

    private NativeFileOps() {
    }

    /** Whether this platform has the calls at all (Linux on x86-64 or aarch64); costs nothing. */
    static boolean platformSupported() {
        return NR != null;
    }

    /** Whether native calls work here; sets up the FFM linkage if that has not happened yet. */
    static boolean available() {
        return Linkage.SYSCALL != null;
    }

    /** Initialises the native linkage now, e.g. on a background thread at start-up. */
    static boolean warmUp() {
        return available();
    }

    /** The result of a call: its return value and the errno it left. */
    record Result(long value, int errno) {
        boolean failed() {
            return value < 0;
        }
    }

    private static Result call(long number, long a, long b, long c, long d) {
        return call(number, a, b, c, d, 0, 0);
    }

    /**
     * System call {@code number} with arguments {@code a1}…{@code a6}. A failed call is made again
     * with errno captured ({@link #callForErrno}): every call routed here changes nothing when it
     * fails, so the second attempt either fails the same way, now with its errno, or succeeds
     * (after an EINTR, say), which is as good as a first success.
     */
    private static Result call(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        long rc = callWithoutErrno(number, a1, a2, a3, a4, a5, a6);
        return rc >= 0 ? new Result(rc, 0) : callForErrno(number, a1, a2, a3, a4, a5, a6);
    }

    /** System call {@code number} through the plain handle: its result, negative when it failed. */
    private static long callWithoutErrno(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) Linkage.SYSCALL.invokeExact(Linkage.SYSCALL_ADDRESS, number, a1, a2, a3, a4, a5, a6);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed unexpectedly", t);
        }
    }

    /**
     * System call {@code number} with errno captured, retried on EINTR. For failed calls, and for
     * calls whose failure must not be repeated to be learnt: a second {@code fdatasync} after one
     * that failed can succeed, the write-back error having been reported once.
     */
    private static Result callForErrno(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        MemorySegment state = ErrnoLinkage.CAPTURE_STATE.get();
        try {
            Result r;
            do {
                long rc = (long) ErrnoLinkage.SYSCALL.invokeExact(Linkage.SYSCALL_ADDRESS, state, number, a1, a2, a3, a4,
                        a5, a6);
                r = new Result(rc, rc < 0 ? view(state).getInt((int) ErrnoLinkage.ERRNO_OFFSET) : 0);
            } while (r.failed() && r.errno() == EINTR);
            return r;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed unexpectedly", t);
        }
    }

    /**
     * Opens {@code path} again and checks that the new descriptor refers to the file whose
     * {@linkplain BasicFileAttributes#fileKey() key} is {@code expectedKey} — the file the caller's
     * channel has open — so that a file renamed or replaced in between is refused rather than
     * answering hole queries for the wrong inode.
     */
    static int openSameFile(Path path, boolean writable, Object expectedKey) throws IOException {
        int fd = open(path, writable);
        Object key;
        try {
            key = Files.readAttributes(Path.of("/proc/self/fd/" + fd), BasicFileAttributes.class).fileKey();
        } catch (IOException | RuntimeException e) {
            close(fd);
            throw e;
        }
        if (!expectedKey.equals(key)) {
            close(fd);
            throw new IOException(path + ": the file was replaced while open");
        }
        return fd;
    }

    private static int open(Path path, boolean writable) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = cString(arena, path.toString());
            Result r = call(NR.openat(), AT_FDCWD, name.address(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
            if (r.failed()) {
                throw new IOException("open " + path + " failed: " + strerror(r.errno()));
            }
            return (int) r.value();
        }
    }

    /** Closes {@code fd}; never repeated, as a failed close may still have released it. */
    static void close(int fd) {
        callWithoutErrno(NR.close(), fd, 0, 0, 0, 0, 0);
    }

    /**
     * {@code lseek(fd, offset, whence)}: the new offset, or -1 when the call failed, without
     * errno. {@code map} makes thousands of these, and the one that fails at the end of the data
     * would otherwise link the errno-capturing handle for it; the caller tells the failures apart
     * by a second query instead ({@link FileNode#blockStatus}).
     */
    static long lseek(int fd, long offset, int whence) {
        long rc = callWithoutErrno(NR.lseek(), fd, offset, whence, 0, 0, 0);
        return rc < 0 ? -1 : rc;
    }

    /**
     * {@code ioctl(fd, request, argument)}: its result, or -1 when it failed, without errno (the
     * one caller, {@link Fiemap}, falls back to {@code lseek} whatever the reason).
     */
    static long ioctl(int fd, long request, long argument) {
        long rc = callWithoutErrno(NR.ioctl(), fd, request, argument, 0, 0, 0);
        return rc < 0 ? -1 : rc;
    }

    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final int MADV_HUGEPAGE = 14;

    /** A fresh private anonymous read-write mapping of {@code length} bytes: its address, or -1. */
    static long mmapAnonymous(long length) {
        long rc = callWithoutErrno(NR.mmap(), 0, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
        return rc < 0 ? -1 : rc;
    }

    /** Asks for transparent huge pages over the range; whether the kernel agreed. */
    static boolean adviseHugePages(long address, long length) {
        return callWithoutErrno(NR.madvise(), address, length, MADV_HUGEPAGE, 0, 0, 0) == 0;
    }

    static void munmap(long address, long length) {
        callWithoutErrno(NR.munmap(), address, length, 0, 0, 0, 0);
    }

    static Result fallocate(int fd, int mode, long offset, long length) {
        return call(NR.fallocate(), fd, mode, offset, length);
    }

    static Result fdatasync(int fd) {
        return callForErrno(NR.fdatasync(), fd, 0, 0, 0, 0, 0);
    }

    static Result ftruncate(int fd, long length) {
        return call(NR.ftruncate(), fd, length, 0, 0);
    }

    /**
     * Each thread's pair of {@code loff_t} that {@code copy_file_range} reads its offsets from:
     * passing offsets rather than using the descriptors' file positions keeps concurrent copies
     * on one descriptor apart.
     */
    private static final ThreadLocal<MemorySegment> COPY_OFFSETS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    /**
     * {@code copy_file_range(2)}: up to {@code length} bytes from {@code in} at {@code inOffset}
     * to {@code out} at {@code outOffset}, inside the kernel. Returns the bytes copied (fewer
     * than asked at the end of {@code in}, 0 past it) or the failure.
     */
    static Result copyFileRange(int in, long inOffset, int out, long outOffset, long length) {
        MemorySegment offsets = COPY_OFFSETS.get();
        ByteBuffer b = view(offsets);
        b.putLong(0, inOffset);
        b.putLong(8, outOffset);
        return call(NR.copyFileRange(), in, offsets.address(), out, offsets.address() + 8, length, 0);
    }

    // Open file description locks, fcntl(2): the byte-range locks QEMU's file-posix takes.
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    /**
     * {@code struct flock} on x86-64 and aarch64: {@code short l_type; short l_whence; off_t
     * l_start; off_t l_len; pid_t l_pid;} — 32 bytes with padding; l_pid must be 0 for OFD locks.
     */
    private static final long FLOCK_SIZE = 32;
    private static final int FLOCK_START = 8;
    private static final int FLOCK_LEN = 16;

    /**
     * Takes ({@code type} {@link #F_RDLCK}) or drops ({@link #F_UNLCK}) an open file description
     * lock on {@code length} bytes from {@code start}, without waiting.
     */
    static Result ofdSetLock(int fd, short type, long start, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flock = flock(arena, type, start, length);
            return call(NR.fcntl(), fd, F_OFD_SETLK, flock.address(), 0);
        }
    }

    /**
     * Whether another open file description holds a lock on the range that conflicts with a lock
     * of {@code type}: the conflicting lock's type, {@link #F_UNLCK} if none, or -1 if the query
     * failed.
     */
    static int ofdTestLock(int fd, short type, long start, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flock = flock(arena, type, start, length);
            Result r = call(NR.fcntl(), fd, F_OFD_GETLK, flock.address(), 0);
            return r.failed() ? -1 : view(flock).getShort(0);
        }
    }

    private static MemorySegment flock(Arena arena, short type, long start, long length) {
        MemorySegment flock = arena.allocate(FLOCK_SIZE, 8); // zeroed: SEEK_SET, l_pid 0
        ByteBuffer b = view(flock);
        b.putShort(0, type);
        b.putLong(FLOCK_START, start);
        b.putLong(FLOCK_LEN, length);
        return flock;
    }

    /** Bytes allocated to the file ({@code st_blocks * 512}), or -1 if fstat fails. */
    static long allocatedBytes(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            Result r = call(NR.fstat(), fd, stat.address(), 0, 0);
            if (r.failed()) {
                return -1;
            }
            return view(stat).getLong((int) STAT_BLOCKS_OFFSET) * 512;
        }
    }

    /**
     * Native memory as a byte buffer in the platform's byte order. Reading through a buffer
     * rather than {@code MemorySegment.get(ValueLayout…)} keeps the JDK's var-handle machinery,
     * which costs milliseconds to set up on first use, off the start-up path.
     */
    static ByteBuffer view(MemorySegment segment) {
        return segment.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** {@code s} as a NUL-terminated UTF-8 C string in {@code arena} (not {@code allocateFrom}: see {@link #view}). */
    private static MemorySegment cString(Arena arena, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment segment = arena.allocate(bytes.length + 1L); // zeroed: the terminator is there
        view(segment).put(bytes);
        return segment;
    }

    /**
     * Whether a failed call met the storage itself (I/O error, full disk, quota, file size limit)
     * rather than a call the file, file system or kernel does not support.
     */
    static boolean isHostIoError(int errno) {
        return errno == EIO || errno == ENOSPC || errno == EFBIG || errno == EDQUOT;
    }

    static String strerror(int errno) {
        return switch (errno) {
            case 1 -> "Operation not permitted";
            case 2 -> "No such file or directory";
            case EIO -> "Input/output error";
            case ENXIO -> "No such device or address";
            case 9 -> "Bad file descriptor";
            case 11 -> "Resource temporarily unavailable";
            case 13 -> "Permission denied";
            case 21 -> "Is a directory";
            case 22 -> "Invalid argument";
            case EFBIG -> "File too large";
            case ENOSPC -> "No space left on device";
            case 18 -> "Invalid cross-device link";
            case 30 -> "Read-only file system";
            case 38 -> "Function not implemented";
            case 95 -> "Operation not supported";
            case EDQUOT -> "Disk quota exceeded";
            default -> "errno " + errno;
        };
    }
}
