package dev.jimg.cli.verbs;

import dev.jimg.block.BackingFileChange;
import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.output.ProgressBar;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rebase}: points an image at a new backing file. The safe mode first copies into the image
 * every range where the old and the new backing files differ and the image itself has no data,
 * so the guest-visible contents stay the same; {@code -u} only rewrites the reference.
 */
@Command(name = "rebase", description = "Change the backing file of an image.",
        customSynopsis = "jimg rebase [-U] [-q] [-f FMT] [-t CACHE] [-T SRC_CACHE] [-p] [-u] -b BACKING_FILE [-F BACKING_FMT] FILE")
final class RebaseCommand extends VerbBase {
    private static final int CHUNK = 2 << 20;
    private static final int SECTOR = 512;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = {"-b", "--backing"}, paramLabel = "BACKING_FILE", required = true)
    String backing;

    @Option(names = {"-F", "-B", "--backing-format"}, paramLabel = "BACKING_FMT")
    String backingFormat;

    @Option(names = {"-u", "--backing-unsafe"})
    boolean unsafe;

    @Option(names = {"-t", "--cache"}, paramLabel = "CACHE")
    String cache;

    @Option(names = {"-T", "--backing-cache"}, paramLabel = "SRC_CACHE")
    String backingCache;

    @Option(names = {"-p", "--progress"})
    boolean progress;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Option(names = {"-c", "--compress"})
    boolean compress;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    RebaseCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        if (compress) {
            throw new ImageException("rebase -c is not supported yet");
        }
        String newName = backing.isEmpty() ? null : backing;
        OpenOptions options = ctx.openOptions().noBacking(unsafe).forceShare(forceShare).build();
        if (cache != null) {
            options = options.toBuilder().cache(dev.jimg.block.CacheMode.parse(cache)).build();
        }
        try (BlockNode image = ctx.opener().open(filename, format, options)) {
            BackingFileChange change = requireCapability(image, filename, BackingFileChange.class,
                    "Could not change the backing file to '" + backing + "': ", "backing files");
            String newFormat = backingFormat;
            if (!unsafe) {
                BlockNode newBacking = null;
                try {
                    if (newName != null) {
                        String full = ImageOpener.combine(filename, newName);
                        newBacking = ctx.opener().open(full, backingFormat,
                                ctx.openOptions().readOnly(true).forceShare(true).build());
                        newFormat = newBacking.formatName();
                    }
                    copyDifferences(image, newBacking);
                } finally {
                    if (newBacking != null) {
                        newBacking.close();
                    }
                }
            } else if (newName != null && newFormat == null) {
                newFormat = probeFormat(ImageOpener.combine(filename, newName));
            }
            change.changeBackingFile(newName, newName == null ? null : newFormat);
            image.flush();
        }
        return 0;
    }

    private String probeFormat(String full) {
        try (BlockNode node = ctx.opener().open(full, null,
                ctx.openOptions().readOnly(true).forceShare(true).noBacking(true).build())) {
            return node.formatName();
        } catch (IOException | ImageException e) {
            return null;
        }
    }

    /** Copies into {@code image} what the guest would otherwise see change when the backing file does. */
    private void copyDifferences(BlockNode image, BlockNode newBacking) throws IOException {
        Optional<BlockNode> oldBacking = image.backing();
        long size = image.size();
        long newSize = newBacking == null ? 0 : newBacking.size();
        long oldSize = oldBacking.isPresent() ? oldBacking.get().size() : 0;
        ByteBuffer oldBuf = ByteBuffer.allocateDirect(CHUNK);
        ByteBuffer newBuf = ByteBuffer.allocateDirect(CHUNK);
        try (ProgressBar listener = ProgressBar.create(ctx.err(), progress && !quiet)) {
            long pos = 0;
            while (pos < size) {
                var status = image.blockStatus(pos, Math.min(CHUNK, size - pos));
                long n = status.length();
                if (!status.isAllocated()) {
                    readOrZero(oldBacking.orElse(null), oldSize, pos, n, oldBuf);
                    readOrZero(newBacking, newSize, pos, n, newBuf);
                    writeDifferingSectors(image, pos, (int) n, oldBuf, newBuf);
                }
                pos += n;
                listener.progress(pos, size);
            }
        }
    }

    private static void readOrZero(BlockNode node, long nodeSize, long pos, long n, ByteBuffer buf) throws IOException {
        buf.clear().limit((int) n);
        long readable = node == null ? 0 : Math.max(0, Math.min(n, nodeSize - pos));
        if (readable > 0) {
            node.read(pos, buf.slice(0, (int) readable));
        }
        for (int i = (int) readable; i < n; i++) {
            buf.put(i, (byte) 0);
        }
    }

    private static void writeDifferingSectors(BlockNode image, long pos, int n, ByteBuffer oldBuf, ByteBuffer newBuf)
            throws IOException {
        int i = 0;
        while (i < n) {
            int len = Math.min(SECTOR, n - i);
            if (oldBuf.slice(i, len).mismatch(newBuf.slice(i, len)) < 0) {
                i += len;
                continue;
            }
            int start = i;
            while (i < n) {
                int l = Math.min(SECTOR, n - i);
                if (oldBuf.slice(i, l).mismatch(newBuf.slice(i, l)) < 0) {
                    break;
                }
                i += l;
            }
            image.write(pos + start, oldBuf.slice(start, i - start));
        }
    }
}
