package dev.jimg.cli.verbs;

import dev.jimg.block.ImageException;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.OptionString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = "Create a new disk image.",
        customSynopsis = "jimg create [-q] [-f FMT] [-o OPTIONS] [-b BACKING_FILE [-F BACKING_FMT]] [-u] FILE [SIZE]")
final class CreateCommand extends VerbBase {
    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "format of the new image (default: raw)")
    String format = "raw";

    @Option(names = {"-o", "--options"}, paramLabel = "OPTIONS", description = "format options ('-o help' lists them)")
    List<String> options = new ArrayList<>();

    @Option(names = {"-b", "--backing"}, paramLabel = "BACKING_FILE", description = "backing file of the new image")
    String backing;

    @Option(names = {"-F", "-B", "--backing-format"}, paramLabel = "BACKING_FMT", description = "format of the backing file")
    String backingFormat;

    @Option(names = {"-u", "--backing-unsafe"}, description = "do not open the backing file")
    boolean unsafe;

    @Option(names = {"-q", "--quiet"}, description = "quiet mode")
    boolean quiet;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE")
    String filename;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE")
    String size;

    CreateCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        Map<String, String> opts = OptionString.parse(options);
        ImageCreation creation = new ImageCreation(ctx);
        if (OptionString.wantsHelp(opts)) {
            ImageCreation.printOptionHelp(ctx.registry().find(format)
                    .orElseThrow(() -> new ImageException("Unknown file format '" + format + "'")), ctx.out());
            return 0;
        }
        if (filename == null) {
            throw new ImageException("Expecting image file name");
        }
        long bytes = size != null ? Sizes.parseImageSize(size) : -1;
        ImageCreation.Plan plan = creation.plan(format, filename, opts, bytes, backing, backingFormat, unsafe);
        creation.create(plan, quiet);
        return 0;
    }
}
