package dev.jimg.formats.container;

import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The compressions a source image may come in, each recognised by its magic number: gzip
 * (RFC 1952, {@code 1f 8b}, deflate method 8), xz ({@code FD 37 7A 58 5A 00}) and Zstandard
 * (RFC 8878, {@code 28 B5 2F FD}).
 */
enum Codec {
    GZIP("gzip", new byte[] {0x1f, (byte) 0x8b, 0x08}),
    XZ("xz", new byte[] {(byte) 0xFD, '7', 'z', 'X', 'Z', 0x00}),
    ZSTD("zstd", new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD});

    /** xz decoders may use this much memory (KiB): what xz -9 needs, with room to spare. */
    static final int XZ_MEMORY_LIMIT_KIB = 256 * 1024;
    private static final int GZIP_BUFFER = 64 * 1024;

    private final String driverName;
    private final byte[] magic;

    Codec(String driverName, byte[] magic) {
        this.driverName = driverName;
        this.magic = magic;
    }

    String driverName() {
        return driverName;
    }

    byte[] magic() {
        return magic.clone();
    }

    /** A stream of the decompressed bytes of {@code compressed} (all members, frames or streams). */
    InputStream decompress(InputStream compressed) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPInputStream(compressed, GZIP_BUFFER);
            case XZ -> new XZInputStream(compressed, XZ_MEMORY_LIMIT_KIB);
            case ZSTD -> new ZstdInputStream(compressed);
        };
    }
}
