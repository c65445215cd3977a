package dev.jimg.formats.raw;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.MeasureRequest;
import dev.jimg.block.spi.Measurement;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.OptionSpec;
import dev.jimg.block.spi.ProbeInput;
import dev.jimg.block.util.Sizes;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The raw format: guest bytes are file bytes. Probes with score 1 so that it wins only when no
 * other driver recognises the file, as in QEMU.
 */
public final class RawDriver implements FormatDriver {
    public static final String NAME = "raw";

    static final String OPT_OFFSET = "offset";
    static final String OPT_SIZE = "size";
    /** The open options: a window of the file, as for a disk inside an OVA. */
    private static final Set<String> OPEN_OPTIONS = Set.of(OPT_OFFSET, OPT_SIZE);

    private static final OptionSpec PREALLOCATION = OptionSpec.choice(CommonOptions.PREALLOCATION,
            "Preallocation mode (allowed values: off, falloc, full)", null, "off", "falloc", "full");

    /** Decides whether a would-be sector 0 probes as a non-raw format; see {@link RawNode}. */
    private final Predicate<byte[]> probesAsOtherFormat;

    /**
     * @param probesAsOtherFormat tells whether a sector 0 would be recognised as another format,
     *                            for the write guard on probed raw images
     */
    public RawDriver(Predicate<byte[]> probesAsOtherFormat) {
        this.probesAsOtherFormat = probesAsOtherFormat;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ProbeInput input) {
        return 1;
    }

    @Override
    public BlockNode open(OpenContext context) throws IOException {
        long fileSize = context.file().size();
        long offset = parseOpenSize(context, OPT_OFFSET, 0);
        if (offset > fileSize) {
            throw new ImageException(context.filename(), "The sum of offset (" + offset
                    + ") and size (0) has to be smaller or equal to the actual size of the containing file ("
                    + fileSize + ")");
        }
        long size = parseOpenSize(context, OPT_SIZE, -1);
        if (size >= 0 && offset + size > fileSize) {
            throw new ImageException(context.filename(), "The sum of offset (" + offset + ") and size (" + size
                    + ") has to be smaller or equal to the actual size of the containing file (" + fileSize + ")");
        }
        context.rejectUnknownOptions(OPEN_OPTIONS);
        return new RawNode(context.file(), offset, size, context.probed() ? probesAsOtherFormat : null);
    }

    private static long parseOpenSize(OpenContext context, String key, long fallback) {
        String v = context.options().driverOptions().get(key);
        return v == null ? fallback : Sizes.parseOptionSize(key, v);
    }

    @Override
    public List<OptionSpec> createOptions() {
        return List.of(CommonOptions.SIZE_SPEC, PREALLOCATION);
    }

    @Override
    public boolean supportsCreate() {
        return true;
    }

    @Override
    public void create(CreateRequest request) throws IOException {
        String prealloc = request.options().string(CommonOptions.PREALLOCATION).orElse("off");
        try (FileNode file = FileNode.create(request.path(), request.filename())) {
            long size = request.size();
            switch (prealloc) {
                case "full" -> file.writeZeroes(0, size, false);
                case "falloc" -> {
                    file.resize(size);
                    file.writeZeroes(0, size, false);
                }
                default -> {
                    file.resize(size);
                    allocateFirstBlock(file, size);
                }
            }
            file.flush();
        }
    }

    /**
     * QEMU writes the first block of a new raw file so that later opens can probe the host's
     * alignment from it; {@code info} and {@code map} then show 4 KiB of data, and so do we.
     */
    private static void allocateFirstBlock(FileNode file, long size) throws IOException {
        long n = Math.min(size, 4096);
        if (n > 0) {
            file.write(0, java.nio.ByteBuffer.allocate((int) n));
        }
    }

    @Override
    public Measurement measure(MeasureRequest request) throws IOException {
        long required = request.source().isPresent()
                ? request.source().get().size()
                : Sizes.alignUp(request.size(), 512);
        return new Measurement(required, required);
    }
}
