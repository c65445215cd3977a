package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.spi.OptionSpec;
import dev.jimg.cli.CliContext;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Image creation as {@code create}, {@code convert} and {@code dd} share it (QEMU's
 * {@code bdrv_img_create}): option validation, backing file checks, the size taken from the
 * backing file when not given, the "Formatting …" line, and the driver call.
 */
final class ImageCreation {
    private final CliContext ctx;

    ImageCreation(CliContext ctx) {
        this.ctx = ctx;
    }

    /** A validated creation, ready to run. */
    record Plan(FormatDriver driver, String filename, Path path, long size, ImageOptions options) {
    }

    /**
     * Validates a creation request.
     *
     * @param format        the output format name
     * @param filename      the image to create
     * @param rawOptions    the merged {@code -o} options
     * @param size          the size from the command line, or -1
     * @param backing       {@code -b}, or null
     * @param backingFormat {@code -F}, or null
     * @param unsafe        {@code -u}: do not open the backing file
     */
    Plan plan(String format, String filename, Map<String, String> rawOptions, long size, String backing,
            String backingFormat, boolean unsafe) throws IOException {
        FormatDriver driver = ctx.registry().find(format)
                .orElseThrow(() -> new ImageException(filename, "Unknown file format '" + format + "'"));
        if (!driver.supportsCreate()) {
            throw new ImageException(filename, NotSupportedException.formatLacks(format, "image creation"));
        }
        ImageOptions options;
        try {
            options = ImageOptions.of(driver.createOptions(), rawOptions);
        } catch (ImageException e) {
            throw e.inFile(filename);
        }
        if (backing != null || backingFormat != null) {
            if (!options.accepts(CommonOptions.BACKING_FILE)) {
                throw new ImageException(filename, "Backing file not supported for file format '" + format + "'");
            }
            if (backing != null) {
                options = options.with(CommonOptions.BACKING_FILE, backing);
            }
            if (backingFormat != null) {
                options = options.with(CommonOptions.BACKING_FMT, backingFormat);
            }
        }
        if (size >= 0) {
            options = options.with(CommonOptions.SIZE, Long.toString(size));
        }
        String backingName = options.has(CommonOptions.BACKING_FILE)
                ? options.string(CommonOptions.BACKING_FILE).orElse(null) : null;
        if (backingName != null && !options.has(CommonOptions.BACKING_FMT)) {
            String detected = detectFormat(filename, backingName);
            throw new ImageException(filename, "Backing file specified without backing format"
                    + (detected != null ? "\nDetected format of " + detected + "." : ""));
        }
        long finalSize = options.has(CommonOptions.SIZE) ? options.size(CommonOptions.SIZE, -1) : -1;
        if (backingName != null && !unsafe) {
            long backingSize = backingSize(filename, backingName, options.string(CommonOptions.BACKING_FMT).orElseThrow());
            if (finalSize < 0) {
                finalSize = backingSize;
                options = options.with(CommonOptions.SIZE, Long.toString(finalSize));
            }
        }
        if (finalSize < 0) {
            throw new ImageException(filename, "Image creation needs a size parameter");
        }
        return new Plan(driver, filename, ctx.fileSystem().getPath(filename), finalSize, options);
    }

    /** Runs the plan; prints qemu-img's "Formatting …" line unless quiet. */
    void create(Plan plan, boolean quiet) throws IOException {
        if (!quiet) {
            ctx.out().println(formattingLine(plan));
            ctx.out().flush();
        }
        CreateRequest request = new CreateRequest(plan.path(), plan.filename(), plan.size(), plan.options(),
                this::openForCreate);
        try {
            plan.driver().create(request);
        } catch (ImageException e) {
            throw e.inFile(plan.filename());
        }
    }

    /** Opens a file a new image names (its backing file), relative to the new image as QEMU resolves it. */
    private BlockNode openForCreate(String name, String format, Path relativeTo, OpenOptions options)
            throws IOException {
        String full = relativeTo == null ? name : ImageOpener.combine(relativeTo.toString(), name);
        return ctx.opener().open(full, format, options.toBuilder().allowExternalPaths(true).build());
    }

    /** {@code Formatting 'x', fmt=qcow2 cluster_size=65536 …}: every option with a value, in the driver's order. */
    static String formattingLine(Plan plan) {
        StringBuilder line = new StringBuilder("Formatting '").append(plan.filename()).append("', fmt=")
                .append(plan.driver().name());
        for (OptionSpec spec : plan.driver().createOptions()) {
            if (plan.options().has(spec.name()) || spec.defaultValue() != null) {
                String value = spec.name().equals(CommonOptions.SIZE) ? Long.toString(plan.size())
                        : plan.options().string(spec.name()).orElse("");
                line.append(' ').append(spec.name()).append('=').append(value);
            }
        }
        return line.toString();
    }

    /** {@code -o help}: the driver's options sorted by name, as qemu-img prints them. */
    static void printOptionHelp(FormatDriver driver, PrintStream out) {
        List<OptionSpec> specs = new ArrayList<>(driver.createOptions());
        specs.sort(Comparator.comparing(OptionSpec::name));
        out.println("Supported " + driver.name() + " options:");
        for (OptionSpec spec : specs) {
            StringBuilder line = new StringBuilder("  ").append(spec.name()).append("=<").append(spec.typeName())
                    .append('>');
            if (line.length() < 24) {
                line.append(" ".repeat(24 - line.length()));
            }
            line.append(" - ").append(spec.description());
            out.println(line);
        }
        out.println();
        out.println("The protocol level may support further options.");
        out.println("Specify the target filename to include those options.");
    }

    private long backingSize(String filename, String backingName, String backingFormat) throws IOException {
        String full = ImageOpener.combine(filename, backingName);
        try (BlockNode backing = ctx.opener().open(full, backingFormat,
                ctx.openOptions().readOnly(true).forceShare(true).build())) {
            return backing.size();
        } catch (ImageException e) {
            String what = e.file() != null && !e.getMessage().contains(e.file()) ? e.file() + ": " + e.getMessage()
                    : e.getMessage();
            throw new ImageException(filename, "Could not open backing image: " + what, e);
        }
    }

    private String detectFormat(String filename, String backingName) {
        String full = ImageOpener.combine(filename, backingName);
        try (BlockNode node = ctx.opener().open(full, null,
                ctx.openOptions().readOnly(true).forceShare(true).noBacking(true).build())) {
            return node.formatName();
        } catch (IOException | ImageException e) {
            return null;
        }
    }
}
