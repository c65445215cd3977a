package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import java.io.PrintStream;
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
            PrintStream out = ctx.out();
            if (mode.equals("json")) {
                out.print('[');
                for (int i = 0; i < extents.size(); i++) {
                    if (i > 0) {
                        out.print(",\n");
                    }
                    out.print(jsonEntry(extents.get(i)));
                }
                out.print("]\n");
            } else {
                out.printf("%-16s%-16s%-16s%s%n", "Offset", "Length", "Mapped to", "File");
                for (Extent e : extents) {
                    if (e.isData() && !e.hasHostOffset()) {
                        throw new ImageException(filename, "File contains external, encrypted or compressed clusters.");
                    }
                    if (e.isData() && e.hasHostOffset()) {
                        out.printf("%-16s%-16s%-16s%s%n", hex(e.offset()), hex(e.length()), hex(e.hostOffset()),
                                e.hostFile());
                    }
                }
            }
        }
        return 0;
    }

    static String jsonEntry(Extent e) {
        StringBuilder s = new StringBuilder();
        s.append("{ \"start\": ").append(e.offset()).append(", \"length\": ").append(e.length())
                .append(", \"depth\": ").append(e.depth()).append(", \"present\": ").append(e.isAllocated())
                .append(", \"zero\": ").append(e.isZero()).append(", \"data\": ").append(e.isData());
        if (e.hasHostOffset()) {
            s.append(", \"offset\": ").append(e.hostOffset());
        }
        return s.append('}').toString();
    }

    /** C's {@code %#x}: {@code 0x} prefix except for zero. */
    private static String hex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
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
