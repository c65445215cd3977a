package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.output.MapJson;
import dev.jimg.cli.output.MapTable;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code map}: the allocation of the guest address space through the backing chain. JSON lines
 * are printed exactly as qemu-img 7.2 prints them, one entry per line.
 */
@Command(name = "map", description = "Show how the guest address space maps to host files.",
        customSynopsis = "jimg map [-f FMT] [--start-offset=OFFSET] [--max-length=LEN] [--output=human|json] [-U] FILE")
final class MapCommand extends VerbBase {
    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = "--output", paramLabel = "human|json")
    String output;

    @Option(names = {"-s", "--start-offset"}, paramLabel = "OFFSET")
    String startOffset;

    @Option(names = {"-l", "--max-length"}, paramLabel = "LEN")
    String maxLength;

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    MapCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        String mode = checkOutputFormat(output);
        long start = startOffset == null ? 0 : parseOffset("start offset", startOffset);
        long max = maxLength == null ? -1 : parseOffset("max length", maxLength);
        try (BlockNode node = open(filename, format, true, forceShare, null)) {
            long size = node.size();
            long end = max < 0 ? size : Math.min(size, start + max);
            List<Extent> extents = start < end ? ChainStatus.map(node, start, end - start) : List.of();
            if (mode.equals("json")) {
                printJson(extents);
            } else {
                printHuman(extents);
            }
        }
        return 0;
    }

    private void printJson(List<Extent> extents) {
        MapJson json = new MapJson(ctx.out());
        for (Extent e : extents) {
            json.entry(e.offset(), e.length(), e.depth(), e.isAllocated(), e.isZero(), e.isData(),
                    e.hasHostOffset() ? e.hostOffset() : -1);
        }
        json.finish();
    }

    /**
     * The data extents, as qemu-img prints them; what comes before an extent without a host
     * offset is printed, then the error, as qemu-img does.
     */
    private void printHuman(List<Extent> extents) {
        MapTable table = new MapTable(ctx.out());
        try {
            table.header();
            for (Extent e : extents) {
                if (e.isData() && !e.hasHostOffset()) {
                    throw new ImageException(filename, "File contains external, encrypted or compressed clusters.");
                }
                if (e.isData()) {
                    table.row(e.offset(), e.length(), e.hostOffset(), e.hostFile());
                }
            }
        } finally {
            table.flush();
        }
    }

    private static long parseOffset(String what, String text) {
        long v = Sizes.tryParse(text);
        if (v < 0) {
            throw new ImageException("Invalid " + what + " specified! You may use k, M, G, T, P or E suffixes for"
                    + " kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        }
        return v;
    }
}
