package dev.jimg.cli.verbs;

import dev.jimg.block.Amendable;
import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.OptionString;
import dev.jimg.cli.output.ProgressBar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "amend", description = "Change format-specific options of an existing image.",
        customSynopsis = "jimg amend [-p] [-q] [-f FMT] [-t CACHE] [--force] -o OPTIONS FILE")
final class AmendCommand extends VerbBase {
    @Option(names = {"-o", "--options"}, paramLabel = "OPTIONS")
    List<String> options = new ArrayList<>();

    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = {"-t", "--cache"}, paramLabel = "CACHE")
    String cache;

    @Option(names = {"-p", "--progress"})
    boolean progress;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Option(names = "--force")
    boolean force;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE")
    String filename;

    AmendCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        Map<String, String> raw = OptionString.parse(options);
        if (OptionString.wantsHelp(raw)) {
            if (format == null) {
                throw new ImageException("Option help requires a format be specified");
            }
            FormatDriver driver = ctx.registry().require(format);
            ImageCreation.printOptionHelp(driver, ctx.out());
            return 0;
        }
        if (raw.isEmpty()) {
            throw new ImageException("Must specify options (-o)");
        }
        if (filename == null) {
            throw new ImageException("Expecting one image file name");
        }
        try (BlockNode node = open(filename, format, false, false, cache)) {
            Amendable amendable = requireCapability(node, filename, Amendable.class, "", "option amendment");
            FormatDriver driver = ctx.registry().require(node.formatName());
            ImageOptions parsed = ImageOptions.of(driver.createOptions(), raw);
            try (ProgressBar bar = ProgressBar.create(ctx.err(), progress && !quiet)) {
                amendable.amend(parsed, bar);
            }
            node.flush();
        }
        return 0;
    }
}
