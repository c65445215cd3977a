package dev.jimg.block.file;

import dev.jimg.block.ImageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte-range locks QEMU's file-posix driver takes on an image file, so that jimg and a running
 * {@code qemu-img}, {@code qemu-io} or {@code qemu-system} never write one image at once (see QEMU's
 * {@code block/file-posix.c}, {@code raw_apply_lock_bytes} and {@code raw_check_lock_bytes}).
 *
 * <p>Each block-layer permission {@code i} ({@link Permission}) has two lock bytes, both taken as
 * shared open file description locks ({@code F_OFD_SETLK}, {@code F_RDLCK}): byte
 * {@code 100 + i} says "I use permission i", byte {@code 200 + i} says "I do not let others use
 * permission i". Before taking them, the opener tests with an exclusive lock
 * ({@code F_OFD_GETLK}, {@code F_WRLCK}) that nobody denies a permission it wants (byte 200 + i)
 * and that nobody uses a permission it denies (byte 100 + i). The locks belong to the open file
 * description, so they last exactly as long as the descriptor and are released when it closes.
 *
 * <p>What qemu-io 7.2 holds, as {@code /proc/locks} shows it: read-write, bytes 100, 101, 103 and
 * 201, 203 (it uses read, write and resize and shares read and write-unchanged); read-only, 100
 * and 201, 203; read-only with {@code -U}, 100 alone. jimg takes the same.
 */
final class ImageLocks {
    /** The first permission byte ({@code RAW_LOCK_PERM_BASE}). */
    static final long PERM_BASE = 100;
    /** The first "not shared" byte ({@code RAW_LOCK_SHARED_BASE}). */
    static final long SHARED_BASE = 200;

    /** QEMU's {@code BLK_PERM_*} bits, in bit order, with the names its messages use. */
    enum Permission {
        CONSISTENT_READ("consistent read"),
        WRITE("write"),
        WRITE_UNCHANGED("write unchanged"),
        RESIZE("resize");

        final String qemuName;

        Permission(String qemuName) {
            this.qemuName = qemuName;
        }

        int bit() {
            return 1 << ordinal();
        }
    }

    static final int ALL = 0x0f;
    private static final int READ = Permission.CONSISTENT_READ.bit();
    private static final int WRITE = Permission.WRITE.bit() | Permission.RESIZE.bit();
    /** What a reader or writer lets others do unless forced to share: read, and writes that change nothing. */
    private static final int DEFAULT_SHARED = Permission.CONSISTENT_READ.bit() | Permission.WRITE_UNCHANGED.bit();

    private ImageLocks() {
    }

    /**
     * Tests and takes the locks for an image opened through {@code fd}: read-write uses read,
     * write and resize; read-only uses read; {@code forceShare} (read-only only, as in qemu-img)
     * lets others do anything.
     *
     * @throws ImageException in qemu-img's words when another program's locks conflict
     */
    static void acquire(int fd, String filename, boolean readOnly, boolean forceShare) throws IOException {
        if (forceShare && !readOnly) {
            throw new ImageException(filename, "force-share=on can only be used with read-only images");
        }
        int perm = readOnly ? READ : READ | WRITE;
        int shared = forceShare ? ALL : DEFAULT_SHARED;
        check(fd, filename, perm, shared);
        apply(fd, filename, perm, shared);
    }

    private static void check(int fd, String filename, int perm, int shared) throws IOException {
        for (Permission p : Permission.values()) {
            if ((perm & p.bit()) != 0 && conflicts(fd, filename, SHARED_BASE + p.ordinal())) {
                throw busy(filename, "Failed to get \"" + p.qemuName + "\" lock");
            }
        }
        for (Permission p : Permission.values()) {
            if ((shared & p.bit()) == 0 && conflicts(fd, filename, PERM_BASE + p.ordinal())) {
                throw busy(filename, "Failed to get shared \"" + p.qemuName + "\" lock");
            }
        }
    }

    private static boolean conflicts(int fd, String filename, long at) throws IOException {
        int holder = NativeFileOps.ofdTestLock(fd, NativeFileOps.F_WRLCK, at, 1);
        if (holder < 0) {
            throw new IOException(filename + ": testing lock byte " + at + " failed");
        }
        return holder != NativeFileOps.F_UNLCK;
    }

    private static void apply(int fd, String filename, int perm, int shared) throws IOException {
        List<Long> bytes = new ArrayList<>();
        for (Permission p : Permission.values()) {
            if ((perm & p.bit()) != 0) {
                bytes.add(PERM_BASE + p.ordinal());
            }
            if ((shared & p.bit()) == 0) {
                bytes.add(SHARED_BASE + p.ordinal());
            }
        }
        for (long at : bytes) {
            NativeFileOps.Result r = NativeFileOps.ofdSetLock(fd, NativeFileOps.F_RDLCK, at, 1);
            if (r.failed()) {
                // Another program locked exclusively between the test and now (qemu only tests
                // with exclusive locks, so this is a race with another prober, or no OFD locks).
                throw busy(filename, "Failed to lock byte " + at + ": " + NativeFileOps.strerror(r.errno()));
            }
        }
    }

    private static ImageException busy(String filename, String what) {
        return new ImageException(filename, what + "\nIs another process using the image [" + filename + "]?");
    }
}
