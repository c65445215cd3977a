package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.output.ImageInfoReport;
import dev.jimg.cli.output.QemuJson;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "info", description = "Show information about an image.",
        customSynopsis = "jimg info [-f FMT] [--output=human|json] [--backing-chain] [-U] FILE")
final class InfoCommand extends VerbBase {
    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = "--output", paramLabel = "human|json")
    String output;

    @Option(names = "--backing-chain", description = "show information about the whole backing chain")
    boolean backingChain;

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Option(names = {"-t", "--cache"}, paramLabel = "CACHE", hidden = true)
    String cache;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    InfoCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        String mode = checkOutputFormat(output);
        List<ImageInfoReport> reports = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String name = filename;
        String fmt = format;
        while (name != null) {
            if (!seen.add(ctx.fileSystem().getPath(name).toAbsolutePath().normalize().toString())) {
                throw new ImageException(name, "Backing file '" + name + "' creates an infinite loop.");
            }
            ImageInfoReport report;
            OpenOptions options = ctx.openOptions().readOnly(true).noBacking(true).forceShare(forceShare).build();
            try (BlockNode node = ctx.opener().open(name, fmt, options)) {
                report = ImageInfoReport.of(node, name);
            }
            reports.add(report);
            if (!backingChain) {
                break;
            }
            name = report.fullBackingFilename().orElse(null);
            fmt = report.backingFormat().orElse(null);
        }
        if (mode.equals("json")) {
            Object json = backingChain ? reports.stream().map(r -> (Object) r.fields()).toList() : reports.get(0).fields();
            ctx.out().println(QemuJson.pretty(json));
        } else {
            for (int i = 0; i < reports.size(); i++) {
                if (i > 0) {
                    ctx.out().println();
                }
                reports.get(i).printHuman(ctx.out());
            }
        }
        return 0;
    }
}
