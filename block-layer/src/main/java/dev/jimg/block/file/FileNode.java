package dev.jimg.block.file;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CacheMode;
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
import java.util.EnumSet;
import java.util.Set;

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
 */
public final class FileNode implements BlockNode {
    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final Path path;
    private final String filename;
    private final FileChannel channel;
    private final boolean readOnly;
    private final CacheMode cache;
    /** The native descriptor, or -1 when native calls do not apply to this path. */
    private final int fd;
    private volatile boolean closed;

    private FileNode(Path path, String filename, FileChannel channel, boolean readOnly, CacheMode cache, int fd) {
        this.path = path;
        this.filename = filename;
        this.channel = channel;
        this.readOnly = readOnly;
        this.cache = cache;
        this.fd = fd;
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
        return openWith(path, filename, flags, options.readOnly(), options.cache());
    }

    /** Creates (or truncates) a file for writing a new image. */
    public static FileNode create(Path path, String filename) throws IOException {
        Set<StandardOpenOption> flags = EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        return openWith(path, filename, flags, false, CacheMode.WRITEBACK);
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
        int fd = -1;
        if (NativeFileOps.AVAILABLE && path.getFileSystem() == FileSystems.getDefault()) {
            try {
                fd = NativeFileOps.open(path.toAbsolutePath(), !readOnly);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }
        return new FileNode(path, filename, channel, readOnly, cache, fd);
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
        return fd >= 0;
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
        return channel.size();
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

    private static final int FALLOC_PUNCH = NativeFileOps.FALLOC_FL_PUNCH_HOLE | NativeFileOps.FALLOC_FL_KEEP_SIZE;

    private void writeZeroBytes(long offset, long length) throws IOException {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            int n = (int) Math.min(ZERO_CHUNK, end - pos);
            ByteBuffer chunk = ZEROES.duplicate().limit(n);
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
        long size = channel.size();
        if (offset >= size) {
            return new Extent(offset, length, Extent.ZERO | Extent.ALLOCATED, offset, filename, 0);
        }
        long end = Math.min(offset + length, size);
        if (fd < 0) {
            return new Extent(offset, end - offset, Extent.DATA | Extent.ALLOCATED, offset, filename, 0);
        }
        NativeFileOps.Result data = NativeFileOps.lseek(fd, offset, NativeFileOps.SEEK_DATA);
        if (data.failed()) {
            if (data.errno() == NativeFileOps.ENXIO) {
                // No data from here to the end of the file: all hole.
                return new Extent(offset, end - offset, Extent.ZERO | Extent.ALLOCATED, offset, filename, 0);
            }
            // The file system cannot tell (no SEEK_DATA support): assume data, as QEMU does.
            return new Extent(offset, end - offset, Extent.DATA | Extent.ALLOCATED, offset, filename, 0);
        }
        if (data.value() > offset) {
            long holeEnd = Math.min(data.value(), end);
            return new Extent(offset, holeEnd - offset, Extent.ZERO | Extent.ALLOCATED, offset, filename, 0);
        }
        NativeFileOps.Result hole = NativeFileOps.lseek(fd, offset, NativeFileOps.SEEK_HOLE);
        long dataEnd = hole.failed() ? end : Math.min(Math.max(hole.value(), offset + 1), end);
        return new Extent(offset, dataEnd - offset, Extent.DATA | Extent.ALLOCATED, offset, filename, 0);
    }

    @Override
    public long allocatedBytes() throws IOException {
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
            if (fd >= 0) {
                NativeFileOps.close(fd);
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
