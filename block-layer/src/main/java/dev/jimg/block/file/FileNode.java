package dev.jimg.block.file;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CacheMode;
import dev.jimg.block.CopyOffload;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The protocol node for a host file: QEMU's {@code file} driver.
 *
 * <p>Data moves through a {@link FileChannel}, whose positional reads and writes are safe from
 * many threads. On the default file system of a Linux host a second, native descriptor adds what
 * the channel lacks: hole-aware block status, hole punching, fdatasync and allocated-size
 * queries. On any other {@link Path} (an in-memory file system in tests) those degrade cleanly:
 * everything is reported as data, holes become written zeroes, flush is {@code force}.
 *
 * <p>As a POSIX file, the node reads zeroes past its end and grows when written there.
 *
 * <p>An existing image opened through {@link #open} is locked as QEMU locks it
 * ({@link ImageLocks}): the native descriptor is then opened at once, not on first need.
 */
public final class FileNode implements BlockNode, CopyOffload {
    private static final int ZERO_CHUNK = 1 << 20;

    /** A shared megabyte of zeroes, allocated on first use: most runs never write zeroes. */
    private static final class Zeroes {
        static final ByteBuffer CHUNK = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();
    }

    private final Path path;
    private final String filename;
    private final FileChannel channel;
    private final boolean readOnly;
    private final CacheMode cache;
    /**
     * The identity of the channel's file when native calls may apply to it (a host file on Linux),
     * else null. The native descriptor itself is opened on first need ({@link #nativeFd()}): verbs
     * that never ask about holes or allocation then never pay for the FFM linkage at start-up.
     */
    private final Object nativeKey;
    /** The native descriptor: {@link #NOT_OPENED} until first needed, -1 when native calls do not apply. */
    private volatile int descriptor = NOT_OPENED;
    private static final int NOT_OPENED = -2;
    /**
     * Where the last hole query found data to start: {@code map} walks a file hole, data, hole…,
     * and the next query usually starts exactly there, so one {@code lseek} of three is saved.
     */
    private volatile long knownDataAt = -1;
    /**
     * A read-only node's last FIEMAP answer ({@link Fiemap}): the status of the extents after the
     * one just asked for, which {@code map} and {@code convert} ask for next. Null until the first
     * query, and for a writable node, whose own writes would make it stale.
     */
    private volatile AllocationWindow allocation;
    /** Set once the file system has refused FIEMAP: this node then asks {@code lseek} only. */
    private volatile boolean noFiemap;
    private volatile boolean closed;
    /**
     * Files {@code copy_file_range} refused to copy from into this one (another file system, a
     * kernel or sandbox without the call): asked once, not once per write.
     */
    private final Set<FileNode> noCopyFrom = ConcurrentHashMap.newKeySet();
    /**
     * A read-only node's size, taken at open: nothing this node does can change it, and asking
     * the file on every block-status query (twice per extent) was a fifth of {@code map}'s time on
     * images with thousands of extents. QEMU likewise keeps a regular file's length. -1 for a
     * writable node, which asks the file each time.
     */
    private final long readOnlySize;

    private FileNode(Path path, String filename, FileChannel channel, boolean readOnly, CacheMode cache,
            Object nativeKey, long readOnlySize) {
        this.path = path;
        this.filename = filename;
        this.channel = channel;
        this.readOnly = readOnly;
        this.cache = cache;
        this.nativeKey = nativeKey;
        this.readOnlySize = readOnlySize;
    }

    /** Opens an existing file as {@code options} say (read-only, cache mode). */
    public static FileNode open(Path path, String filename, OpenOptions options) throws IOException {
        Set<StandardOpenOption> flags = EnumSet.of(StandardOpenOption.READ);
        if (!options.readOnly()) {
            flags.add(StandardOpenOption.WRITE);
            if (options.cache().syncEachWrite()) {
                flags.add(StandardOpenOption.DSYNC);
            }
        }
        if (options.forceShare() && !options.readOnly()) {
            throw new ImageException(filename, "force-share=on can only be used with read-only images");
        }
        FileNode node = openWith(path, filename, flags, options.readOnly(), options.cache());
        try {
            node.lockAsQemuDoes(options.forceShare());
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    /**
     * Takes QEMU's image locks ({@link ImageLocks}) on a host file, so that jimg and QEMU's tools
     * never write one image at once. Needs the native descriptor, which holds the locks until
     * the node closes; elsewhere (an in-memory file system, another OS) there is nothing to share.
     */
    private void lockAsQemuDoes(boolean forceShare) throws IOException {
        if (nativeKey == null) {
            return;
        }
        int fd = nativeFd();
        if (fd >= 0) {
            ImageLocks.acquire(fd, filename, readOnly, forceShare);
        }
    }

    /**
     * Creates (or truncates) a file for writing a new image. Its flushes do nothing, as QEMU
     * creates images without flushing ({@code BDRV_O_NO_FLUSH}): until creation returns there is
     * no image a crash could damage, and each flush would wait for the disk — behind whatever
     * else the host is writing back. Once made, the image is opened with the caller's cache mode.
     */
    public static FileNode create(Path path, String filename) throws IOException {
        Set<StandardOpenOption> flags = EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        return openWith(path, filename, flags, false, CacheMode.UNSAFE);
    }

    private static FileNode openWith(Path path, String filename, Set<StandardOpenOption> flags, boolean readOnly,
            CacheMode cache) throws IOException {
        if (Files.isDirectory(path)) {
            throw new ImageException(filename, "Is a directory");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, flags);
        } catch (NoSuchFileException e) {
            throw new ImageException(filename, "Could not open '" + filename + "': No such file or directory", e);
        } catch (AccessDeniedException e) {
            throw new ImageException(filename, "Could not open '" + filename + "': Permission denied", e);
        }
        Object nativeKey = null;
        long readOnlySize = -1;
        try {
            if (NativeFileOps.platformSupported() && path.getFileSystem() == FileSystems.getDefault()) {
                nativeKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            }
            if (readOnly) {
                readOnlySize = channel.size();
            }
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new FileNode(path, filename, channel, readOnly, cache, nativeKey, readOnlySize);
    }

    /** The native descriptor, opened on first call; -1 when native calls do not apply to this file. */
    private int nativeFd() throws IOException {
        int d = descriptor;
        if (d != NOT_OPENED) {
            return d;
        }
        synchronized (this) {
            if (descriptor == NOT_OPENED) {
                descriptor = -1;
                if (nativeKey != null && NativeFileOps.available() && Files.exists(path)) {
                    descriptor = NativeFileOps.openSameFile(path.toAbsolutePath(), !readOnly, nativeKey);
                }
            }
            return descriptor;
        }
    }

    /**
     * Opens the native descriptor now rather than on first need — for a file about to be
     * unlinked while still in use (a scratch file), whose name will no longer lead to it. Returns
     * whether native calls now reach the file. A file whose name is gone by the time a native call
     * is first needed works on without them (no hole queries, no hole punching).
     */
    public boolean bindNativeNow() throws IOException {
        return nativeFd() >= 0;
    }

    public Path path() {
        return path;
    }

    /**
     * Sets up the native linkage ahead of need, typically on a background thread while the
     * command line is parsed; returns whether native calls are available on this platform.
     */
    public static boolean warmUpNativeAccess() {
        return NativeFileOps.warmUp();
    }

    /** Whether hole queries and hole punching reach the host file system. */
    public boolean isNative() {
        return nativeKey != null && NativeFileOps.available();
    }

    @Override
    public String formatName() {
        return "file";
    }

    @Override
    public String filename() {
        return filename;
    }

    @Override
    public long size() throws IOException {
        return readOnlySize >= 0 ? readOnlySize : channel.size();
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkOffset(offset);
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                zeroFill(dst);
                return;
            }
            pos += n;
        }
    }

    private static void zeroFill(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkWritable();
        checkOffset(offset);
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        long size = channel.size();
        if (offset >= size && mayUnmap) {
            // Past the end a hole is just a longer file.
            truncateNative(offset + length);
            return;
        }
        int fd = nativeFd();
        if (fd >= 0) {
            int mode = mayUnmap ? FALLOC_PUNCH : NativeFileOps.FALLOC_FL_ZERO_RANGE;
            long inFile = Math.min(length, Math.max(0, size - offset));
            if (inFile > 0 && NativeFileOps.fallocate(fd, mode, offset, inFile).value() == 0) {
                if (offset + length > size) {
                    truncateNative(offset + length);
                }
                return;
            }
        }
        writeZeroBytes(offset, length);
    }

    /**
     * {@code copy_file_range(2)} from another host file: the bytes go from page cache to page
     * cache without a copy through user memory, and a file system that shares extents (XFS,
     * Btrfs) may not copy them at all. Copies nothing — returns 0 — where the kernel cannot copy
     * between the two files (another file system, no such call, a file that is not on the host's
     * file system) or where this node must sync each write ({@code cache=writethrough} and
     * {@code directsync} go through the channel, opened with O_DSYNC); returns fewer bytes than
     * asked past the end of {@code source}. Host I/O errors (EIO, ENOSPC, …) are thrown.
     */
    @Override
    public long copyFrom(BlockNode source, long srcOffset, long offset, long length) throws IOException {
        checkWritable();
        checkRange(offset, length);
        if (!(source instanceof FileNode src) || length == 0 || cache.syncEachWrite() || noCopyFrom.contains(src)) {
            return 0;
        }
        src.checkRange(srcOffset, length);
        int out = nativeFd();
        int in = src.nativeFd();
        if (out < 0 || in < 0) {
            return 0;
        }
        long done = 0;
        while (done < length) {
            NativeFileOps.Result r = NativeFileOps.copyFileRange(in, srcOffset + done, out, offset + done, length - done);
            if (r.failed()) {
                if (NativeFileOps.isHostIoError(r.errno())) {
                    throw new IOException(filename + ": copy_file_range from " + src.filename + " failed: "
                            + NativeFileOps.strerror(r.errno()));
                }
                noCopyFrom.add(src);
                return done;
            }
            if (r.value() == 0) {
                break; // the end of the source
            }
            done += r.value();
        }
        return done;
    }

    private static final int FALLOC_PUNCH = NativeFileOps.FALLOC_FL_PUNCH_HOLE | NativeFileOps.FALLOC_FL_KEEP_SIZE;

    private void writeZeroBytes(long offset, long length) throws IOException {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            int n = (int) Math.min(ZERO_CHUNK, end - pos);
            ByteBuffer chunk = Zeroes.CHUNK.duplicate().limit(n);
            while (chunk.hasRemaining()) {
                pos += channel.write(chunk, pos);
            }
        }
    }

    /** Punches a hole where the file system can; elsewhere a discard is a no-op, as QEMU allows. */
    @Override
    public void discard(long offset, long length) throws IOException {
        checkWritable();
        checkRange(offset, length);
        int fd = nativeFd();
        if (fd < 0 || length == 0) {
            return;
        }
        long size = channel.size();
        long inFile = Math.min(length, Math.max(0, size - offset));
        if (inFile > 0) {
            NativeFileOps.fallocate(fd, FALLOC_PUNCH, offset, inFile);
        }
    }

    @Override
    public void flush() throws IOException {
        if (readOnly || !cache.honourFlush()) {
            return;
        }
        int fd = nativeFd();
        if (fd >= 0) {
            NativeFileOps.Result r = NativeFileOps.fdatasync(fd);
            if (r.failed()) {
                throw new IOException(filename + ": fdatasync failed: " + NativeFileOps.strerror(r.errno()));
            }
        } else {
            channel.force(false);
        }
    }

    @Override
    public void resize(long newSize) throws IOException {
        checkWritable();
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        long size = channel.size();
        if (newSize < size) {
            channel.truncate(newSize);
        } else if (newSize > size) {
            truncateNative(newSize);
        }
    }

    /** Grows the file to {@code newSize} without writing data, leaving a hole where possible. */
    private void truncateNative(long newSize) throws IOException {
        if (newSize <= channel.size()) {
            return;
        }
        int fd = nativeFd();
        if (fd >= 0) {
            NativeFileOps.Result r = NativeFileOps.ftruncate(fd, newSize);
            if (r.failed()) {
                throw new IOException(filename + ": ftruncate failed: " + NativeFileOps.strerror(r.errno()));
            }
        } else {
            channel.write(ByteBuffer.allocate(1), newSize - 1);
        }
    }

    /**
     * Data where the file system stores blocks, zero over holes and past the end. Both are
     * "allocated" with a host offset, as QEMU's file driver reports them.
     */
    @Override
    public Extent blockStatus(long offset, long length) throws IOException {
        checkRange(offset, length);
        if (length <= 0) {
            throw new IllegalArgumentException("blockStatus needs a positive length, got " + length);
        }
        long size = size();
        if (offset >= size) {
            return hole(offset, length);
        }
        long end = Math.min(offset + length, size);
        int fd = nativeFd();
        if (fd < 0) {
            return data(offset, end - offset);
        }
        if (readOnly && !noFiemap) {
            Extent e = statusFromFiemap(fd, offset, end, size);
            if (e != null) {
                return e;
            }
        }
        if (offset == knownDataAt) {
            // The previous query found data starting here; go straight to its end. (Should a hole
            // have been punched here meanwhile, reporting data is the safe answer.)
            return dataRun(fd, offset, end);
        }
        long data = NativeFileOps.lseek(fd, offset, NativeFileOps.SEEK_DATA);
        if (data < 0) {
            // ENXIO (no data from here to the end of the file) or no SEEK_DATA support, told apart
            // without errno: where SEEK_HOLE works, the offset is inside the file (checked above),
            // so SEEK_DATA failed for want of data.
            if (NativeFileOps.lseek(fd, offset, NativeFileOps.SEEK_HOLE) >= 0) {
                return hole(offset, end - offset);
            }
            // The file system cannot tell: assume data, as QEMU does.
            return data(offset, end - offset);
        }
        if (data > offset) {
            knownDataAt = data;
            long holeEnd = Math.min(data, end);
            return hole(offset, holeEnd - offset);
        }
        return dataRun(fd, offset, end);
    }

    /** Whether block status has come from FIEMAP and the file system has not refused it (tests). */
    boolean answersFromFiemap() {
        return allocation != null && !noFiemap;
    }

    /**
     * The status at {@code offset} from FIEMAP; null once the file system has refused it, and
     * where the blocks are unwritten ({@link AllocationWindow}): {@code lseek} answers then.
     */
    private Extent statusFromFiemap(int fd, long offset, long end, long size) {
        AllocationWindow window = allocation;
        if (window == null || !window.covers(offset)) {
            window = Fiemap.read(fd, offset, size);
            if (window == null) {
                noFiemap = true;
                return null;
            }
            allocation = window;
        }
        long run = window.runLength(offset, end);
        if (run == 0) {
            return null;
        }
        return run > 0 ? data(offset, run) : hole(offset, -run);
    }

    /** The data at {@code offset}, up to the next hole and at most to {@code end}. */
    private Extent dataRun(int fd, long offset, long end) {
        long hole = NativeFileOps.lseek(fd, offset, NativeFileOps.SEEK_HOLE);
        long dataEnd = hole < 0 ? end : Math.min(Math.max(hole, offset + 1), end);
        return data(offset, dataEnd - offset);
    }

    /** Data at {@code offset}; a file's host offset is its guest offset. */
    private Extent data(long offset, long length) {
        return Extent.data(offset, length, offset, filename);
    }

    /** A hole: reads as zero, and is reported allocated with its host offset, as QEMU's file driver does. */
    private Extent hole(long offset, long length) {
        return new Extent(offset, length, Extent.ZERO | Extent.ALLOCATED, offset, filename, 0);
    }

    @Override
    public long allocatedBytes() throws IOException {
        int fd = nativeFd();
        if (fd >= 0) {
            long n = NativeFileOps.allocatedBytes(fd);
            if (n >= 0) {
                return n;
            }
        }
        return channel.size();
    }

    @Override
    public boolean hasZeroInit() {
        return true;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } finally {
            synchronized (this) {
                if (descriptor >= 0) {
                    NativeFileOps.close(descriptor);
                }
                descriptor = -1;
            }
        }
    }

    private void checkWritable() {
        if (readOnly) {
            throw new ImageException(filename, "Cannot write: the image is open read-only");
        }
    }

    private void checkOffset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException(filename + ": negative offset " + offset);
        }
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length < 0) {
            throw new IllegalArgumentException(filename + ": invalid range offset=" + offset + " length=" + length);
        }
    }

    @Override
    public String toString() {
        return "file:" + filename;
    }
}
