package dev.jimg.formats.container;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.FormatRegistry;
import dev.jimg.block.ImageException;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.util.function.Supplier;
import org.tukaani.xz.MemoryLimitException;
import org.tukaani.xz.SeekableXZInputStream;
import org.tukaani.xz.XZIOException;

/**
 * A compressed image used as a source without unpacking it first: {@code disk.raw.gz},
 * {@code disk.qcow2.xz}, {@code appliance.ova.zst}. Probed by the codec's magic; opening
 * decompresses (see {@link DecompressedNode}, or {@link SeekableXzNode} for an xz file of several
 * blocks), probes what is inside and opens it with its own driver, so the node returned is the
 * inner image's (a {@code raw}, {@code qcow2}, {@code ova}… node). Read-only.
 */
public final class CompressedDriver implements FormatDriver {
    private static final int MAGIC_PROBE_SCORE = 100;

    private final Codec codec;
    private final Supplier<FormatRegistry> registry;

    private CompressedDriver(Codec codec, Supplier<FormatRegistry> registry) {
        this.codec = codec;
        this.registry = registry;
    }

    /** gzip sources; {@code registry} gives the drivers that open what is inside. */
    public static CompressedDriver gzip(Supplier<FormatRegistry> registry) {
        return new CompressedDriver(Codec.GZIP, registry);
    }

    public static CompressedDriver xz(Supplier<FormatRegistry> registry) {
        return new CompressedDriver(Codec.XZ, registry);
    }

    public static CompressedDriver zstd(Supplier<FormatRegistry> registry) {
        return new CompressedDriver(Codec.ZSTD, registry);
    }

    @Override
    public String name() {
        return codec.driverName();
    }

    @Override
    public int probe(ProbeInput input) {
        return input.headMatches(0, codec.magic()) ? MAGIC_PROBE_SCORE : 0;
    }

    @Override
    public BlockNode open(OpenContext context) throws IOException {
        if (!context.options().readOnly()) {
            throw new ImageException(context.filename(), codec.driverName()
                    + "-compressed images can only be opened read-only (as a source to convert, info, compare, map)");
        }
        BlockNode file = context.file();
        BlockNode data;
        boolean sequential = true;
        if (codec == Codec.XZ) {
            SeekableXZInputStream xz = openXz(context, file);
            if (xz.getBlockCount() > 1) {
                data = new SeekableXzNode(file, xz);
                sequential = false;
            } else {
                long length = xz.length();
                xz.close(false); // the forward path reads through a buffered stream of its own
                data = DecompressedNode.open(file, codec, DecompressedNode.stream(file, codec), length);
            }
        } else {
            long known = codec == Codec.ZSTD ? ZstdFrames.contentSize(file) : -1;
            data = DecompressedNode.open(file, codec, DecompressedNode.stream(file, codec), known);
        }
        return InnerImage.open(context, data, context.filename(), registry, sequential);
    }

    private static SeekableXZInputStream openXz(OpenContext context, BlockNode file) throws IOException {
        try {
            return new SeekableXZInputStream(new BlockNodeInput(file), Codec.XZ_MEMORY_LIMIT_KIB);
        } catch (MemoryLimitException e) {
            throw new ImageException(context.filename(), "xz index or dictionary needs " + e.getMemoryNeeded()
                    + " KiB, more than the " + Codec.XZ_MEMORY_LIMIT_KIB + " KiB allowed");
        } catch (XZIOException | java.io.EOFException e) {
            throw new CorruptImageException(context.filename(), "xz data is damaged or truncated: " + e.getMessage(), e);
        }
    }
}
