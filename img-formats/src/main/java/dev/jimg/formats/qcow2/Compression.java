package dev.jimg.formats.qcow2;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.jimg.block.util.ReusePool;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Compressed cluster codecs (qcow2.txt, "Compressed Clusters Descriptor" and the
 * {@code compression_type} header field).
 *
 * <p><b>zlib</b>: a raw deflate stream (no zlib header). QEMU inflates with a 4 KiB window
 * ({@code windowBits = -12}), so no back-reference may reach further than 4096 bytes. Java's
 * {@link Deflater} always uses a 32 KiB window; a full flush every 4 KiB of input resets its
 * history, which keeps every reference inside the current 4 KiB and the stream readable by QEMU.
 *
 * <p>Before deflating, {@link IncompressibleData} recognises clusters deflate cannot shrink
 * (compressed or encrypted data) and skips the attempt; zstd gives up on such data by itself.
 *
 * <p><b>zstd</b>: one zstd frame per cluster, as QEMU writes; reading accepts several frames and
 * stops as soon as the cluster is complete, ignoring the padding up to the sector boundary.
 *
 * <p>Compression is pure and thread-safe: (de)compressors come from a {@link ReusePool}, because
 * creating one costs more than compressing a cluster with it.
 */
abstract sealed class Compression {
    /** QEMU's inflate window: 2^12 bytes. */
    static final int ZLIB_WINDOW = 4096;
    /** QEMU's zstd level (ZSTD_CLEVEL_DEFAULT). */
    static final int ZSTD_LEVEL = 3;

    static Compression forType(int type) {
        return switch (type) {
            case Qcow2Header.COMPRESSION_ZLIB -> new Zlib();
            case Qcow2Header.COMPRESSION_ZSTD -> new Zstandard();
            default -> throw new IllegalArgumentException("compression type " + type);
        };
    }

    abstract String name();

    /**
     * Compresses {@code src} (its remaining bytes); returns null unless the result is at most
     * {@code limit} bytes (QEMU stores a cluster uncompressed when it would not shrink).
     */
    abstract byte[] compress(ByteBuffer src, int limit);

    /**
     * Fills {@code dst} (its remaining bytes) from {@code src}; throws {@link DataFormatException}
     * when the data is damaged or too short.
     */
    abstract void decompress(byte[] src, int length, byte[] dst) throws DataFormatException;

    static final class Zlib extends Compression {
        private static final ReusePool<Deflater> DEFLATERS =
                new ReusePool<>(() -> new Deflater(Deflater.DEFAULT_COMPRESSION, true));
        private static final ReusePool<Inflater> INFLATERS = new ReusePool<>(() -> new Inflater(true));

        @Override
        String name() {
            return "zlib";
        }

        @Override
        byte[] compress(ByteBuffer src, int limit) {
            if (IncompressibleData.check(src)) {
                return null;
            }
            Deflater d = DEFLATERS.take();
            try {
                byte[] out = new byte[limit + 64];
                int produced = 0;
                ByteBuffer in = src.duplicate();
                while (in.hasRemaining()) {
                    int n = Math.min(ZLIB_WINDOW, in.remaining());
                    ByteBuffer chunk = in.slice(in.position(), n);
                    in.position(in.position() + n);
                    d.setInput(chunk);
                    boolean last = !in.hasRemaining();
                    if (last) {
                        d.finish();
                    }
                    while (true) {
                        int got = d.deflate(out, produced, out.length - produced,
                                last ? Deflater.NO_FLUSH : Deflater.FULL_FLUSH);
                        produced += got;
                        if (produced > limit) {
                            return null;
                        }
                        if (last ? d.finished() : (d.needsInput() && got < out.length - (produced - got))) {
                            break;
                        }
                    }
                }
                return produced <= limit ? java.util.Arrays.copyOf(out, produced) : null;
            } finally {
                d.reset();
                DEFLATERS.give(d);
            }
        }

        @Override
        void decompress(byte[] src, int length, byte[] dst) throws DataFormatException {
            Inflater inf = INFLATERS.take();
            try {
                inf.setInput(src, 0, length);
                int n = 0;
                while (n < dst.length) {
                    int got = inf.inflate(dst, n, dst.length - n);
                    n += got;
                    if (got == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                        break;
                    }
                }
                if (n < dst.length) {
                    throw new DataFormatException("deflate data ends after " + n + " of " + dst.length + " bytes");
                }
            } finally {
                inf.reset();
                INFLATERS.give(inf);
            }
        }
    }

    static final class Zstandard extends Compression {
        /**
         * Per-thread context and native buffers: zstd-jni's byte-array calls copy through the
         * foreign-memory API at a fraction of the speed of its direct-buffer calls.
         */
        private static final class Work {
            final ZstdCompressCtx compressor = new ZstdCompressCtx();
            final ZstdDecompressCtx decompressor = new ZstdDecompressCtx();
            ByteBuffer in = ByteBuffer.allocateDirect(0);
            ByteBuffer out = ByteBuffer.allocateDirect(0);

            Work() {
                compressor.setLevel(ZSTD_LEVEL);
            }

            ByteBuffer in(int n) {
                if (in.capacity() < n) {
                    in = ByteBuffer.allocateDirect(n);
                }
                return in.clear();
            }

            ByteBuffer out(int n) {
                if (out.capacity() < n) {
                    out = ByteBuffer.allocateDirect(n);
                }
                return out.clear();
            }
        }

        private static final ReusePool<Work> WORK = new ReusePool<>(Work::new);

        @Override
        String name() {
            return "zstd";
        }

        @Override
        byte[] compress(ByteBuffer src, int limit) {
            Work w = WORK.take();
            try {
                return compress(w, src, limit);
            } finally {
                WORK.give(w);
            }
        }

        @Override
        void decompress(byte[] src, int length, byte[] dst) throws DataFormatException {
            Work w = WORK.take();
            try {
                decompress(w, src, length, dst);
            } finally {
                WORK.give(w);
            }
        }

        private static byte[] compress(Work w, ByteBuffer src, int limit) {
            int n = src.remaining();
            ByteBuffer in = src;
            int inOffset = src.position();
            if (!src.isDirect()) {
                in = w.in(n);
                in.put(src.duplicate()).flip();
                inOffset = 0;
            }
            int bound = (int) com.github.luben.zstd.Zstd.compressBound(n);
            ByteBuffer out = w.out(bound);
            int produced;
            try {
                produced = w.compressor.compressDirectByteBuffer(out, 0, bound, in, inOffset, n);
            } catch (ZstdException e) {
                throw new IllegalStateException("zstd compression failed: " + e.getMessage(), e);
            }
            if (produced > limit) {
                return null;
            }
            byte[] result = new byte[produced];
            out.get(0, result);
            return result;
        }

        private static void decompress(Work w, byte[] src, int length, byte[] dst) throws DataFormatException {
            ZstdDecompressCtx ctx = w.decompressor;
            ctx.reset();
            ByteBuffer in = w.in(length);
            in.put(src, 0, length).flip();
            ByteBuffer out = w.out(dst.length);
            out.limit(dst.length);
            try {
                while (out.hasRemaining() && in.hasRemaining()) {
                    int before = out.position() + in.position();
                    ctx.decompressDirectByteBufferStream(out, in);
                    if (out.position() + in.position() == before) {
                        break;
                    }
                }
            } catch (ZstdException e) {
                DataFormatException d = new DataFormatException("zstd: " + e.getMessage());
                d.initCause(e);
                throw d;
            }
            if (out.hasRemaining()) {
                throw new DataFormatException("zstd data ends after " + out.position() + " of " + dst.length
                        + " bytes");
            }
            out.get(0, dst);
        }
    }
}
