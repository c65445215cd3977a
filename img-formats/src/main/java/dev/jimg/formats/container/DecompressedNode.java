package dev.jimg.formats.container;

import com.github.luben.zstd.ZstdIOException;
import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.util.ZeroDetector;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.ZipException;
import org.tukaani.xz.XZIOException;

/**
 * The decompressed bytes of a compressed file, for a format driver above that needs to seek:
 * the stream is decompressed forward on demand, and what has been decompressed is kept in a
 * sparse temporary file (all-zero runs stay holes), so that going back costs a read, not a
 * second decompression. A read beyond what has been decompressed continues the stream up to
 * there; nothing is decompressed before it is needed, except that a stream whose length no header
 * states (gzip) is decompressed to its end when its size is first asked.
 *
 * <p>The temporary file lives in {@code java.io.tmpdir} and is unlinked as soon as it is open, so
 * it disappears with the process whatever happens. It holds the non-zero decompressed bytes.
 *
 * <p><b>Concurrency.</b> Reads of decompressed ranges go straight to the cache; decompression
 * is serialised by {@link #streamLock}.
 */
final class DecompressedNode extends ReadOnlyNode {
    private static final int CHUNK = 1 << 20;
    private static final int ZERO_GRANULE = 64 * 1024;
    private static final int INPUT_BUFFER = 1 << 20;
    /** Decompression stops here: a "zip bomb" expanding without bound is refused, not followed. */
    static final long MAX_SIZE = 1L << 46;
    /** {@link #blockStatus} decompresses at most this far ahead to answer. */
    private static final long STATUS_WINDOW = 16L << 20;

    private final BlockNode source;
    private final Codec codec;
    private final FileNode cache;
    private final ReentrantLock streamLock = new ReentrantLock();
    /** Guarded by {@link #streamLock}; null once the stream has ended. */
    private InputStream stream;
    /** Bytes decompressed into the cache so far. */
    private volatile long available;
    /** The decompressed size, or -1 until known. */
    private volatile long size;

    /**
     * @param stream    the decompressing stream over {@code source}, positioned at its start
     * @param knownSize the decompressed size if a header states it, else -1
     */
    private DecompressedNode(BlockNode source, Codec codec, InputStream stream, long knownSize, FileNode cache) {
        super(source.filename());
        this.source = source;
        this.codec = codec;
        this.stream = stream;
        this.size = knownSize;
        this.cache = cache;
    }

    static DecompressedNode open(BlockNode source, Codec codec, InputStream decompressed, long knownSize)
            throws IOException {
        Path tmp = Files.createTempFile("jimg-" + codec.driverName() + "-", ".cache");
        FileNode cache;
        try {
            cache = FileNode.create(tmp, tmp.toString());
            try {
                // Hole queries must keep working once the name is gone.
                cache.bindNativeNow();
            } catch (IOException | RuntimeException e) {
                cache.close();
                throw e;
            }
        } finally {
            Files.delete(tmp);
        }
        return new DecompressedNode(source, codec, decompressed, knownSize, cache);
    }

    /** A stream decompressing {@code source} from its start. */
    static InputStream stream(BlockNode source, Codec codec) throws IOException {
        try {
            return codec.decompress(new BufferedInputStream(new BlockNodeInput(source), INPUT_BUFFER));
        } catch (EOFException | ZipException | XZIOException | ZstdIOException e) {
            throw damaged(source.filename(), codec, e);
        }
    }

    /** The codec's complaint about its input (a truncated header, a bad checksum) as corruption. */
    private static CorruptImageException damaged(String filename, Codec codec, IOException e) {
        String detail = e.getMessage() == null ? "unexpected end of the compressed data" : e.getMessage();
        return new CorruptImageException(filename, codec.driverName() + " data is damaged or truncated: " + detail, e);
    }

    @Override
    public String formatName() {
        return codec.driverName();
    }

    @Override
    public long size() throws IOException {
        long s = size;
        if (s < 0) {
            decompressUpTo(Long.MAX_VALUE);
            s = size;
        }
        return s;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        checkOffset(filename(), pos);
        long end = pos + dst.remaining();
        if (end > available) {
            decompressUpTo(end);
        }
        cache.read(pos, dst); // holes and the end of the cache read as zero
    }

    /** Continues the stream until {@code target} bytes are in the cache, or the stream ends. */
    private void decompressUpTo(long target) throws IOException {
        streamLock.lock();
        try {
            byte[] chunk = new byte[CHUNK];
            while (available < target && stream != null) {
                int n = stream.readNBytes(chunk, 0, CHUNK);
                store(chunk, n, available);
                available += n;
                if (available > MAX_SIZE) {
                    throw new ImageException(filename(), "Decompressed data exceeds " + MAX_SIZE
                            + " bytes; refusing to continue");
                }
                if (n < CHUNK) {
                    stream.close();
                    stream = null;
                    checkStatedSize();
                    size = available;
                }
            }
        } catch (EOFException | ZipException | XZIOException | ZstdIOException e) {
            throw damaged(filename(), codec, e);
        } finally {
            streamLock.unlock();
        }
    }

    private void checkStatedSize() {
        if (size >= 0 && size != available) {
            throw new CorruptImageException(filename(), codec.driverName() + " headers state " + size
                    + " decompressed bytes, the data holds " + available);
        }
    }

    /** Writes the non-zero granules of a chunk: zero runs stay holes of the cache. */
    private void store(byte[] chunk, int n, long at) throws IOException {
        for (int off = 0; off < n; off += ZERO_GRANULE) {
            int len = Math.min(ZERO_GRANULE, n - off);
            if (!ZeroDetector.isZero(chunk, off, len)) {
                cache.write(at + off, ByteBuffer.wrap(chunk, off, len));
            }
        }
    }

    /**
     * Zero where the decompressed bytes are zero (holes of the cache), else data that has no
     * plain location in the compressed file, as QEMU reports compressed clusters.
     */
    @Override
    public Extent blockStatus(long pos, long length) throws IOException {
        checkOffset(filename(), pos);
        long end = pos + Math.min(length, STATUS_WINDOW);
        if (end > available) {
            decompressUpTo(end);
        }
        if (pos >= available) {
            return new Extent(pos, length, Extent.ZERO | Extent.ALLOCATED, -1, null, 0);
        }
        Extent e = cache.blockStatus(pos, Math.min(end, available) - pos);
        int flags = e.isData() ? Extent.DATA | Extent.ALLOCATED | Extent.COMPRESSED : Extent.ZERO | Extent.ALLOCATED;
        return new Extent(pos, e.length(), flags, -1, null, 0);
    }

    /** The compressed file's size on the host. */
    @Override
    public long allocatedBytes() throws IOException {
        return source.allocatedBytes();
    }

    @Override
    public void close() throws IOException {
        streamLock.lock();
        try {
            if (stream != null) {
                stream.close();
                stream = null;
            }
        } finally {
            streamLock.unlock();
            try {
                cache.close();
            } finally {
                source.close();
            }
        }
    }
}
