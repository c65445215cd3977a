package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CacheMode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.MakeEmpty;
import dev.jimg.block.OpenOptions;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.output.ProgressBar;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code commit}: writes the data of an image (and of the images between it and the base) into
 * the base image, then empties the image unless {@code -d} (or {@code -b}, which implies it).
 */
@Command(name = "commit", description = "Commit the changes of an image into its backing file.",
        customSynopsis = "jimg commit [-q] [-f FMT] [-t CACHE] [-b BASE] [-d] [-p] FILE")
final class CommitCommand extends VerbBase {
    private static final int CHUNK = 2 << 20;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = {"-t", "--cache"}, paramLabel = "CACHE")
    String cache;

    @Option(names = {"-b", "--base"}, paramLabel = "BASE")
    String base;

    @Option(names = {"-d", "--drop"})
    boolean drop;

    @Option(names = {"-r", "--rate-limit"}, paramLabel = "RATE")
    String rateLimit;

    @Option(names = {"-p", "--progress"})
    boolean progress;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    CommitCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        if (rateLimit != null) {
            throw new ImageException("commit -r (rate limit) is not supported yet");
        }
        boolean keepTop = drop || base != null;
        OpenOptions options = ctx.openOptions().cache(cache == null ? CacheMode.WRITEBACK : CacheMode.parse(cache))
                .build();
        try (BlockNode top = ctx.opener().open(filename, format, options)) {
            List<BlockNode> chain = new ArrayList<>();
            for (Optional<BlockNode> n = top.backing(); n.isPresent(); n = n.get().backing()) {
                chain.add(n.get());
            }
            if (chain.isEmpty()) {
                throw new ImageException(filename, "Image does not have a backing file");
            }
            BlockNode baseNode = base == null ? chain.get(0) : find(chain, base);
            int baseDepth = chain.indexOf(baseNode) + 1;
            try (BlockNode writableBase = ctx.opener().open(baseNode.filename(), baseNode.formatName(),
                    options.toBuilder().noBacking(false).build())) {
                copyDown(top, baseDepth, writableBase);
                writableBase.flush();
            }
            if (!keepTop) {
                Optional<MakeEmpty> empty = top.capability(MakeEmpty.class);
                if (empty.isPresent()) {
                    empty.get().makeEmpty();
                }
            }
            top.flush();
        }
        if (!quiet) {
            ctx.out().println("Image committed.");
        }
        return 0;
    }

    private BlockNode find(List<BlockNode> chain, String name) {
        java.nio.file.Path wanted = ctx.fileSystem().getPath(name).toAbsolutePath().normalize();
        for (BlockNode n : chain) {
            if (n.filename().equals(name)
                    || ctx.fileSystem().getPath(n.filename()).toAbsolutePath().normalize().equals(wanted)) {
                return n;
            }
        }
        throw new ImageException(filename, "Did not find '" + name + "' in the backing chain of '" + filename + "'");
    }

    /** Copies every range some layer above {@code baseDepth} allocates into the base. */
    private void copyDown(BlockNode top, int baseDepth, BlockNode writableBase) throws IOException {
        long size = top.size();
        if (writableBase.size() < size) {
            writableBase.resize(size);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        try (ProgressBar listener = ProgressBar.create(ctx.err(), progress && !quiet)) {
            long pos = 0;
            while (pos < size) {
                long n = Math.min(CHUNK, size - pos);
                Extent above = allocatedAbove(top, baseDepth, pos, n);
                n = above.length();
                if (above.isAllocated()) {
                    if (above.isZero() && !above.isData()) {
                        writableBase.writeZeroes(pos, n, false);
                    } else {
                        buf.clear().limit((int) n);
                        top.read(pos, buf);
                        buf.flip();
                        writableBase.write(pos, buf);
                    }
                }
                pos += n;
                listener.progress(pos, size);
            }
        }
    }

    /** The status of the first layer above the base that allocates {@code pos}, or unallocated. */
    private static Extent allocatedAbove(BlockNode top, int baseDepth, long pos, long length) throws IOException {
        BlockNode node = top;
        long len = length;
        for (int depth = 0; depth < baseDepth; depth++) {
            Extent e = node.blockStatus(pos, len);
            if (e.isAllocated()) {
                return e;
            }
            len = e.length();
            node = node.backing().orElseThrow();
        }
        return Extent.unallocated(pos, len);
    }
}
