package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Compactable;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.output.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code compact}: a jimg extension (qemu-img has none) that drops blocks reading as zeroes from
 * formats that can move their blocks (VDI, like {@code VBoxManage modifymedium --compact}) and
 * shrinks the file.
 */
@Command(name = "compact", description = "Drop zero blocks from an image and shrink its file (VDI).",
        customSynopsis = "jimg compact [-p] [-q] [-f FMT] FILE")
final class CompactCommand extends VerbBase {
    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = {"-p", "--progress"})
    boolean progress;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    CompactCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        try (BlockNode node = open(filename, format, false, false, null)) {
            Compactable compactable = requireCapability(node, filename, Compactable.class, "", "compaction");
            long freed;
            try (ProgressBar bar = ProgressBar.create(ctx.err(), progress && !quiet)) {
                freed = compactable.compact(bar);
            }
            node.flush();
            if (!quiet) {
                ctx.out().println("Image compacted: " + freed + " bytes freed.");
            }
        }
        return 0;
    }
}
