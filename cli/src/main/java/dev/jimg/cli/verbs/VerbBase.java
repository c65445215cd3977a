package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CacheMode;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.OpenOptions;
import dev.jimg.cli.CliContext;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * What all verbs share: the context, {@code -h/--help}, and opening images with qemu-img's
 * options. A verb's {@code call} returns its exit code; failures it does not handle itself are
 * thrown and printed by {@link dev.jimg.cli.Main} as one line with exit code 1.
 */
abstract class VerbBase implements Callable<Integer> {
    protected final CliContext ctx;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "print this help and exit")
    boolean help;

    @Option(names = "--object", paramLabel = "OBJDEF",
            description = "QEMU user-creatable object (secrets); not supported by jimg")
    java.util.List<String> objects = new java.util.ArrayList<>();

    @Option(names = "--image-opts", description = "treat file names as option strings; not supported by jimg")
    boolean imageOpts;

    VerbBase(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public final Integer call() throws Exception {
        if (!objects.isEmpty()) {
            throw new ImageException("--object is not supported yet (jimg has no encrypted formats)");
        }
        if (imageOpts) {
            throw new ImageException("--image-opts is not supported yet; use -f and plain file names");
        }
        return run();
    }

    /** The verb's work; returns the exit code. */
    protected abstract int run() throws Exception;

    /** Opens {@code filename} as qemu-img's verbs do. */
    protected BlockNode open(String filename, String format, boolean readOnly, boolean forceShare, String cache)
            throws IOException {
        OpenOptions.Builder b = ctx.openOptions().readOnly(readOnly).forceShare(forceShare);
        if (cache != null) {
            b.cache(CacheMode.parse(cache));
        }
        return ctx.opener().open(filename, format, b.build());
    }

    /**
     * The node's {@code type} capability, or the refusal qemu-img words the same for every verb
     * whose operation the format lacks: {@code prefix} (the verb's "Could not …: ", or empty),
     * then "Format driver 'x' does not support {@code what}".
     */
    protected static <T> T requireCapability(BlockNode node, String filename, Class<T> type, String prefix,
            String what) {
        return node.capability(type).orElseThrow(() -> new ImageException(filename,
                prefix + NotSupportedException.formatLacks(node.formatName(), what)));
    }

    protected static String checkOutputFormat(String output) {
        if (output == null) {
            return "human";
        }
        if (!output.equals("human") && !output.equals("json")) {
            throw new ImageException("--output must be used with human or json as argument.");
        }
        return output;
    }
}
