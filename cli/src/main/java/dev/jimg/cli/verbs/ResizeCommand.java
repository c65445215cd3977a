package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.PreparesArguments;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code resize FILE [+|-]SIZE}. The size is taken off the command line before option parsing (a
 * {@code -1G} is not an option), as qemu-img does.
 */
@Command(name = "resize", description = "Change the virtual size of an image.",
        customSynopsis = "jimg resize [-f FMT] [--preallocation=PREALLOC] [-q] [--shrink] FILE [+|-]SIZE")
final class ResizeCommand extends VerbBase implements PreparesArguments {
    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = "--preallocation", paramLabel = "PREALLOC")
    String preallocation;

    @Option(names = "--shrink")
    boolean shrink;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    /** The last argument, taken before parsing. */
    String sizeArgument;

    ResizeCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    public String[] prepare(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                return args;
            }
        }
        if (args.length < 2) {
            return args;
        }
        sizeArgument = args[args.length - 1];
        return Arrays.copyOf(args, args.length - 1);
    }

    @Override
    protected int run() throws Exception {
        if (sizeArgument == null) {
            throw new ImageException("Expecting image file name and size");
        }
        if (preallocation != null && !preallocation.equals("off")) {
            throw new ImageException("resize --preallocation=" + preallocation + " is not supported yet");
        }
        String text = sizeArgument;
        int sign = 0;
        if (text.startsWith("+")) {
            sign = 1;
            text = text.substring(1);
        } else if (text.startsWith("-")) {
            sign = -1;
            text = text.substring(1);
        }
        long amount = Sizes.parseImageSize(text);
        try (BlockNode node = open(filename, format, false, false, null)) {
            long current = node.size();
            long target = sign == 0 ? amount : current + sign * amount;
            if (target < 0) {
                throw new ImageException("New image size must be positive");
            }
            if (target < current && !shrink) {
                ctx.error("Use the --shrink option to perform a shrink operation.");
                ctx.error("warning: Shrinking an image will delete all data beyond the shrunken image's end."
                        + " Before performing such an operation, make sure there is no important data there.");
                return 1;
            }
            node.resize(target);
            node.flush();
        }
        if (!quiet) {
            ctx.out().println("Image resized.");
        }
        return 0;
    }
}
