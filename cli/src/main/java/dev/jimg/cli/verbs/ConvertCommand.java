package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CacheMode;
import dev.jimg.block.FormatSpecific;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.OptionString;
import dev.jimg.cli.convert.ConvertSettings;
import dev.jimg.cli.convert.Converter;
import dev.jimg.cli.output.ProgressBar;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code convert}: copies one or more images (concatenated) into a new image of any writable
 * format, sparse by default ({@code -S 4k}).
 */
@Command(name = "convert", description = "Convert (and concatenate) images into a new image.",
        customSynopsis = "jimg convert [-U] [-c] [-p] [-q] [-n] [-f FMT] [-t CACHE] [-T SRC_CACHE] [-O OUTPUT_FMT]"
                + " [-B BACKING_FILE [-F BACKING_FMT]] [-o OPTIONS] [-S SPARSE_SIZE] [-m NUM] [-W]"
                + " [--target-is-zero] [--source-disk DISK|all] FILE [FILE2 ...] OUTPUT_FILE")
final class ConvertCommand extends VerbBase {
    /** qemu-img's {@code MAX_BUF_SECTORS}: the largest {@code -S}. */
    private static final long MAX_SPARSE = 32768L * 512;
    private static final long DEFAULT_SPARSE = 4096;
    private static final int DEFAULT_PARALLEL = 8;
    /** {@code --source-disk all}: every disk of the archive, into outputs numbered from 0. */
    private static final String ALL_DISKS = "all";
    /** The open option of the ova driver that chooses a disk. */
    private static final String DISK_OPTION = "disk";

    @Option(names = {"-f", "--source-format"}, paramLabel = "FMT")
    String format;

    @Option(names = {"-O", "--target-format"}, paramLabel = "OUTPUT_FMT")
    String targetFormat = "raw";

    @Option(names = {"-o", "--target-format-options"}, paramLabel = "OPTIONS")
    List<String> options = new ArrayList<>();

    @Option(names = {"-B", "-b", "--backing"}, paramLabel = "BACKING_FILE")
    String backing;

    @Option(names = {"-F", "--backing-format"}, paramLabel = "BACKING_FMT")
    String backingFormat;

    @Option(names = {"-S", "--sparse-size"}, paramLabel = "SPARSE_SIZE")
    String sparseSize;

    @Option(names = {"-n", "--no-create"})
    boolean noCreate;

    @Option(names = "--target-is-zero")
    boolean targetIsZero;

    @Option(names = {"-c", "--compress"})
    boolean compress;

    @Option(names = {"-m", "--parallel"}, paramLabel = "NUM")
    Integer parallel;

    @Option(names = {"-W", "--oob-writes"})
    boolean outOfOrder;

    @Option(names = {"-p", "--progress"})
    boolean progress;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Option(names = {"-t", "--target-cache"}, paramLabel = "CACHE")
    String cache = "unsafe";

    @Option(names = {"-T", "--source-cache"}, paramLabel = "SRC_CACHE")
    String sourceCache;

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Option(names = {"-l", "--snapshot"}, paramLabel = "SNAPSHOT")
    String snapshot;

    @Option(names = {"-C", "--copy-range-offloading"})
    boolean copyOffload;

    @Option(names = {"-r", "--rate-limit"}, paramLabel = "RATE")
    String rateLimit;

    @Option(names = "--salvage")
    boolean salvage;

    @Option(names = "--bitmaps")
    boolean bitmaps;

    @Option(names = "--skip-broken-bitmaps")
    boolean skipBrokenBitmaps;

    @Option(names = "--target-image-opts")
    boolean targetImageOpts;

    /** jimg's extension for OVA and tar sources: which disk to read, or "all" of them. */
    @Option(names = "--source-disk", paramLabel = "DISK")
    String sourceDisk;

    @Parameters(arity = "0..*", paramLabel = "FILE")
    List<String> files = new ArrayList<>();

    ConvertCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        Map<String, String> rawOptions = OptionString.parse(options);
        refuseUnsupported();
        if (OptionString.wantsHelp(rawOptions)) {
            ImageCreation.printOptionHelp(ctx.registry().find(targetFormat)
                    .orElseThrow(() -> new ImageException("Unknown file format '" + targetFormat + "'")), ctx.out());
            return 0;
        }
        if (noCreate && !rawOptions.isEmpty()) {
            throw new ImageException("-o has no effect when skipping image creation");
        }
        if (targetIsZero && !noCreate) {
            throw new ImageException("--target-is-zero requires use of -n flag");
        }
        if (files.size() < 2) {
            throw new ImageException("Must specify image file name");
        }
        long minSparse = parseSparse();
        int workers = parallel == null ? DEFAULT_PARALLEL : parallel;
        if (workers < 1 || workers > ConvertSettings.MAX_PARALLEL) {
            throw new ImageException("Invalid number of coroutines. Allowed number of coroutines is between 1 and "
                    + ConvertSettings.MAX_PARALLEL);
        }
        String output = files.get(files.size() - 1);
        List<String> inputs = files.subList(0, files.size() - 1);
        if (inputs.size() > 1 && backing != null) {
            throw new ImageException("Having a backing file for the target makes no sense when concatenating"
                    + " multiple input images");
        }
        CacheMode.parse(cache);
        if (ALL_DISKS.equals(sourceDisk)) {
            if (inputs.size() != 1) {
                throw new ImageException("--source-disk all needs exactly one input archive");
            }
            int disks = diskCount(inputs.get(0));
            for (int i = 0; i < disks; i++) {
                convert(inputs, indexed(output, i), Integer.toString(i), rawOptions, minSparse, workers);
            }
            return 0;
        }
        convert(inputs, output, sourceDisk, rawOptions, minSparse, workers);
        return 0;
    }

    /** Converts {@code inputs} (reading disk {@code disk} of an archive, if given) into {@code output}. */
    private void convert(List<String> inputs, String output, String disk, Map<String, String> rawOptions,
            long minSparse, int workers) throws Exception {
        List<BlockNode> sources = new ArrayList<>();
        try {
            for (String in : inputs) {
                sources.add(openSource(in, disk));
            }
            long size = Converter.totalSize(sources);
            boolean hasBacking = backing != null || rawOptions.containsKey(CommonOptions.BACKING_FILE);
            if (!noCreate) {
                create(output, rawOptions, size);
            }
            OpenOptions targetOptions = ctx.openOptions().cache(CacheMode.parse(cache)).build();
            try (BlockNode target = ctx.opener().open(output, targetFormat, targetOptions)) {
                if (target.size() < size) {
                    throw new ImageException(output, "Output image is too small: " + target.size()
                            + " bytes, the input needs " + size);
                }
                boolean zeroed = noCreate ? targetIsZero : target.hasZeroInit() && !hasBacking;
                // qemu-img aligns zero runs to at least -S rounded down to a power of two
                // (s.alignment); jimg also to the target's allocation unit.
                long alignment = Math.max(Math.max(512, Long.highestOneBit(minSparse)),
                        Integer.highestOneBit(target.clusterSize().orElse(512)));
                ConvertSettings settings = new ConvertSettings(workers, !outOfOrder, minSparse, compress, zeroed,
                        hasBacking, (int) alignment);
                try (ProgressBar bar = ProgressBar.create(ctx.err(), progress && !quiet)) {
                    new Converter(sources, target, settings, bar).run();
                    target.flush();
                }
            }
        } finally {
            for (BlockNode s : sources) {
                s.close();
            }
        }
    }

    private BlockNode openSource(String filename, String disk) throws IOException {
        OpenOptions.Builder b = ctx.openOptions().readOnly(true).forceShare(forceShare);
        if (sourceCache != null) {
            b.cache(CacheMode.parse(sourceCache));
        }
        if (disk != null) {
            b.driverOption(DISK_OPTION, disk);
        }
        return ctx.opener().open(filename, format, b.build());
    }

    /** How many disks the archive {@code filename} holds, from the ova driver's {@code info} block. */
    private int diskCount(String filename) throws IOException {
        try (BlockNode node = openSource(filename, null)) {
            Object disks = node.capability(FormatSpecific.class)
                    .filter(f -> f.formatSpecificType().equals("ova"))
                    .map(f -> f.formatSpecificData().get("disks")).orElse(null);
            if (!(disks instanceof List<?> list)) {
                throw new ImageException(filename, "--source-disk all: not an OVA or tar archive of disks");
            }
            return list.size();
        }
    }

    /** {@code out.qcow2} → {@code out-1.qcow2}: the index goes before the extension of the file name. */
    static String indexed(String output, int index) {
        int slash = output.lastIndexOf('/');
        int dot = output.lastIndexOf('.');
        if (dot <= slash + 1) {
            return output + "-" + index;
        }
        return output.substring(0, dot) + "-" + index + output.substring(dot);
    }

    private void create(String output, Map<String, String> rawOptions, long size) throws Exception {
        FormatDriver driver = ctx.registry().find(targetFormat)
                .orElseThrow(() -> new ImageException("Unknown file format '" + targetFormat + "'"));
        if (compress) {
            if (!driver.supportsCompression()) {
                throw new ImageException("Compression not supported for this file format");
            }
            String prealloc = rawOptions.get(CommonOptions.PREALLOCATION);
            if (prealloc != null && !prealloc.equals("off")) {
                throw new ImageException("Compression and preallocation not supported at the same time");
            }
        }
        if (rawOptions.containsKey(CommonOptions.BACKING_FILE) && !rawOptions.containsKey(CommonOptions.BACKING_FMT)) {
            throw new ImageException("Use of backing file requires explicit backing format");
        }
        ImageCreation creation = new ImageCreation(ctx);
        ImageCreation.Plan plan = creation.plan(targetFormat, output, rawOptions, size, backing, backingFormat, false);
        creation.create(plan, true);
    }

    private long parseSparse() {
        if (sparseSize == null) {
            return DEFAULT_SPARSE;
        }
        long v = Sizes.tryParse(sparseSize);
        if (v < 0 || v % 512 != 0 || v > MAX_SPARSE) {
            throw new ImageException("Invalid buffer size for sparse output specified. Valid sizes are multiples of"
                    + " 512 up to " + MAX_SPARSE + ". Select 0 to disable sparse detection (fully allocates output).");
        }
        return v;
    }

    private void refuseUnsupported() {
        if (snapshot != null) {
            throw new ImageException("convert -l (read from an internal snapshot) is not supported yet");
        }
        if (copyOffload) {
            throw new ImageException("convert -C (copy offloading) is not supported yet");
        }
        if (rateLimit != null) {
            throw new ImageException("convert -r (rate limit) is not supported yet");
        }
        if (salvage) {
            throw new ImageException("convert --salvage is not supported yet");
        }
        if (bitmaps || skipBrokenBitmaps) {
            throw new ImageException("convert --bitmaps is not supported yet");
        }
        if (targetImageOpts) {
            throw new ImageException("--target-image-opts is not supported yet");
        }
    }
}
