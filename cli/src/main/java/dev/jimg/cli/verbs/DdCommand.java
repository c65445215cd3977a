package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dd}: copies the input from block {@code skip} up to block {@code count} (counted from the
 * start of the input, as qemu-img counts it) into a new image of the output format; like qemu-img
 * dd, every block is written.
 */
@Command(name = "dd", description = "Copy part of an image into a new image, dd-style.",
        customSynopsis = "jimg dd [-U] [-f FMT] [-O OUTPUT_FMT] [bs=BLOCK_SIZE] [count=BLOCKS] [skip=BLOCKS] if=INPUT of=OUTPUT")
final class DdCommand extends VerbBase {
    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = {"-O", "--output-format", "--target-format"}, paramLabel = "OUTPUT_FMT")
    String outputFormat = "raw";

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Parameters(arity = "0..*", paramLabel = "OPERAND")
    List<String> operands = new ArrayList<>();

    DdCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        String in = null;
        String out = null;
        long bs = 512;
        long count = -1;
        long skip = 0;
        for (String op : operands) {
            int eq = op.indexOf('=');
            if (eq < 0) {
                throw new ImageException("unrecognized operand " + op);
            }
            String key = op.substring(0, eq);
            String value = op.substring(eq + 1);
            switch (key) {
                case "if" -> in = value;
                case "of" -> out = value;
                case "bs" -> {
                    bs = Sizes.tryParse(value);
                    if (bs <= 0 || bs > Integer.MAX_VALUE - 8) {
                        throw new ImageException("invalid number: '" + value + "'");
                    }
                }
                case "count" -> count = number(value);
                case "skip" -> skip = number(value);
                default -> throw new ImageException("unrecognized operand " + op);
            }
        }
        if (in == null || out == null) {
            throw new ImageException("Must specify both input and output files");
        }
        try (BlockNode source = open(in, format, true, forceShare, null)) {
            // As qemu-img dd: count= ends the input at count blocks from its start, skipped blocks included.
            long end = source.size();
            if (count >= 0) {
                end = Math.min(end, Math.multiplyExact(count, bs));
            }
            long start = Math.multiplyExact(skip, bs);
            if (start > end) {
                throw new ImageException(in, "cannot skip to specified offset");
            }
            long length = end - start;
            ImageCreation creation = new ImageCreation(ctx);
            creation.create(creation.plan(outputFormat, out, Map.of(), length, null, null, false), true);
            try (BlockNode target = ctx.opener().open(out, outputFormat, ctx.openOptions().build())) {
                ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(bs, Math.max(1, length)));
                for (long pos = 0; pos < length; pos += buf.capacity()) {
                    int n = (int) Math.min(buf.capacity(), length - pos);
                    buf.clear().limit(n);
                    source.read(start + pos, buf);
                    buf.flip();
                    target.write(pos, buf);
                }
                target.flush();
            }
        }
        return 0;
    }

    private static long number(String value) {
        long v = Sizes.tryParse(value);
        if (v < 0) {
            throw new ImageException("invalid number: '" + value + "'");
        }
        return v;
    }
}
