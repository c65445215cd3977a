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
            StringBuilder text = new StringBuilder(FLUSH_CHARS + 256);
            try {
                print(extents, mode, text);
            } finally {
                write(text);
            }
        }
        return 0;
    }

    /**
     * How much text to gather before writing it out. An image can have thousands of extents, and
     * written line by line through the print stream (or formatted with {@code printf}) each costs
     * more than finding it.
     */
    private static final int FLUSH_CHARS = 1 << 16;

    private void print(List<Extent> extents, String mode, StringBuilder text) {
        if (mode.equals("json")) {
            text.append('[');
            for (int i = 0; i < extents.size(); i++) {
                if (i > 0) {
                    text.append(",\n");
                }
                appendJsonEntry(text, extents.get(i));
                flushIfFull(text);
            }
            text.append("]\n");
            return;
        }
        // qemu-img's "%-16s%-16s%-16s%s\n"
        column(text, "Offset");
        column(text, "Length");
        column(text, "Mapped to");
        text.append("File").append(System.lineSeparator());
        // Columns formatted once per value: a raw or flat image maps each extent to the same
        // offset in its file, and extents often share a length (formatting is interpreted work).
        long lastLength = -1;
        String lengthColumn = "";
        String newline = System.lineSeparator();
        for (Extent e : extents) {
            if (e.isData() && !e.hasHostOffset()) {
                throw new ImageException(filename, "File contains external, encrypted or compressed clusters.");
            }
            if (e.isData() && e.hasHostOffset()) {
                String offsetColumn = hexColumn(e.offset());
                if (e.length() != lastLength) {
                    lastLength = e.length();
                    lengthColumn = hexColumn(lastLength);
                }
                String hostColumn = e.hostOffset() == e.offset() ? offsetColumn : hexColumn(e.hostOffset());
                text.append(offsetColumn).append(lengthColumn).append(hostColumn).append(e.hostFile()).append(newline);
                flushIfFull(text);
            }
        }
    }

    private void flushIfFull(StringBuilder text) {
        if (text.length() >= FLUSH_CHARS) {
            write(text);
            text.setLength(0);
        }
    }

    /**
     * As bytes: printing the text makes the print stream's encoder inflate and encode it char by
     * char, interpreted, where {@code getBytes} copies ASCII text in one go.
     */
    private void write(StringBuilder text) {
        PrintStream out = ctx.out();
        out.writeBytes(text.toString().getBytes(out.charset()));
    }

    private static void column(StringBuilder text, String value) {
        int end = text.length() + 16;
        text.append(value);
        text.repeat(' ', Math.max(0, end - text.length()));
    }

    /** C's {@code %#x} in a 16-wide column ({@code %-16s}): {@code 0x} prefix except for zero. */
    private static String hexColumn(long v) {
        StringBuilder b = new StringBuilder(18);
        if (v == 0) {
            b.append('0');
        } else {
            b.append("0x").append(Long.toHexString(v));
        }
        return b.repeat(' ', Math.max(0, 16 - b.length())).toString();
    }

    private static void appendJsonEntry(StringBuilder s, Extent e) {
        s.append("{ \"start\": ").append(e.offset()).append(", \"length\": ").append(e.length())
                .append(", \"depth\": ").append(e.depth()).append(", \"present\": ").append(e.isAllocated())
                .append(", \"zero\": ").append(e.isZero()).append(", \"data\": ").append(e.isData());
        if (e.hasHostOffset()) {
            s.append(", \"offset\": ").append(e.hostOffset());
        }
        s.append('}');
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
