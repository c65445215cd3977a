package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.output.ProgressBar;
import java.io.IOException;
import java.nio.ByteBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code compare}: exit 0 identical, 1 different, 2 an image cannot be opened, 3 an allocation
 * query failed, 4 a read failed. Ranges both images report as zero are not read; a range only one
 * image allocates must read as zeroes in it. Without {@code -s}, a larger image matches if its
 * extra tail reads as zeroes.
 */
@Command(name = "compare", description = "Check whether two images have the same contents.",
        customSynopsis = "jimg compare [-f FMT] [-F FMT] [-T CACHE] [-p] [-q] [-s] [-U] FILE1 FILE2")
final class CompareCommand extends VerbBase {
    static final int IDENTICAL = 0;
    static final int DIFFERENT = 1;
    static final int OPEN_FAILED = 2;
    static final int STATUS_FAILED = 3;
    static final int READ_FAILED = 4;
    private static final int CHUNK = 2 << 20;
    private static final int SECTOR = 512;

    @Option(names = {"-f", "--a-format"}, paramLabel = "FMT")
    String format1;

    @Option(names = {"-F", "--b-format"}, paramLabel = "FMT")
    String format2;

    @Option(names = {"-s", "--strict"})
    boolean strict;

    @Option(names = {"-T", "--cache"}, paramLabel = "CACHE")
    String cache;

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Option(names = {"-p", "--progress"})
    boolean progress;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILE1")
    String file1;

    @Parameters(index = "1", paramLabel = "FILE2")
    String file2;

    CompareCommand(CliContext ctx) {
        super(ctx);
    }

    /** A failure that carries compare's own exit code. */
    private static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        Failed(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    @Override
    protected int run() throws Exception {
        BlockNode a;
        try {
            a = open(file1, format1, true, forceShare, cache);
        } catch (ImageException | IOException e) {
            return reportOpen(e, file1);
        }
        try (a) {
            BlockNode b;
            try {
                b = open(file2, format2, true, forceShare, cache);
            } catch (ImageException | IOException e) {
                return reportOpen(e, file2);
            }
            try (b) {
                try (ProgressBar bar = ProgressBar.create(ctx.err(), progress && !quiet)) {
                    String verdict = compare(a, b, bar);
                    say(verdict);
                    return verdict.startsWith("Images are identical") ? IDENTICAL : DIFFERENT;
                } catch (Failed f) {
                    ctx.error(f.getMessage());
                    return f.code;
                }
            }
        }
    }

    private int reportOpen(Exception e, String name) {
        if (e instanceof ImageException ie && ie.file() != null) {
            ctx.error(ie.file() + ": " + ie.getMessage());
        } else {
            ctx.error(name + ": " + e.getMessage());
        }
        return OPEN_FAILED;
    }

    private void say(String line) {
        if (!quiet) {
            ctx.out().println(line);
        }
    }

    private String compare(BlockNode a, BlockNode b, ProgressBar bar) throws Failed, IOException {
        long size1 = a.size();
        long size2 = b.size();
        long common = Math.min(size1, size2);
        long total = Math.max(size1, size2);
        if (strict && size1 != size2) {
            return "Strict mode: Image size mismatch!";
        }
        ByteBuffer buf1 = ByteBuffer.allocateDirect(CHUNK);
        ByteBuffer buf2 = ByteBuffer.allocateDirect(CHUNK);
        long offset = 0;
        while (offset < common) {
            Extent s1 = status(a, file1, offset, common - offset);
            Extent s2 = status(b, file2, offset, common - offset);
            long chunk = Math.min(s1.length(), s2.length());
            if (strict && (s1.flags() != s2.flags())) {
                return "Strict mode: Offset " + offset + " block status mismatch!";
            }
            if (s1.isZero() && s2.isZero()) {
                // nothing to read
            } else if (s1.isAllocated() == s2.isAllocated()) {
                if (s1.isAllocated()) {
                    chunk = Math.min(chunk, CHUNK);
                    read(a, file1, offset, chunk, buf1);
                    read(b, file2, offset, chunk, buf2);
                    long mismatch = firstMismatch(buf1, buf2, (int) chunk);
                    if (mismatch >= 0) {
                        return "Content mismatch at offset " + (offset + mismatch) + "!";
                    }
                }
            } else {
                chunk = Math.min(chunk, CHUNK);
                String mismatch = mustBeZero(s1.isAllocated() ? a : b, s1.isAllocated() ? file1 : file2, offset,
                        chunk, buf1);
                if (mismatch != null) {
                    return mismatch;
                }
            }
            offset += chunk;
            bar.progress(offset, total);
        }
        if (size1 != size2) {
            say("Warning: Image size mismatch!");
            BlockNode over = size1 > size2 ? a : b;
            String name = size1 > size2 ? file1 : file2;
            while (offset < total) {
                Extent s = status(over, name, offset, total - offset);
                long chunk = s.length();
                if (s.isAllocated() && !s.isZero()) {
                    chunk = Math.min(chunk, CHUNK);
                    String mismatch = mustBeZero(over, name, offset, chunk, buf1);
                    if (mismatch != null) {
                        return mismatch;
                    }
                }
                offset += chunk;
                bar.progress(offset, total);
            }
        }
        return "Images are identical.";
    }

    /** Reads a range that only one image allocates; it must read as zeroes. Returns the mismatch message, if any. */
    private static String mustBeZero(BlockNode node, String name, long offset, long chunk, ByteBuffer buf)
            throws Failed {
        read(node, name, offset, chunk, buf);
        long nonZero = firstNonZeroSector(buf, (int) chunk);
        return nonZero < 0 ? null : "Content mismatch at offset " + (offset + nonZero) + "!";
    }

    private static Extent status(BlockNode node, String name, long offset, long length) throws Failed {
        try {
            return ChainStatus.of(node, offset, length);
        } catch (IOException | ImageException e) {
            throw new Failed(STATUS_FAILED, "Sector allocation test failed for " + name);
        }
    }

    private static void read(BlockNode node, String name, long offset, long length, ByteBuffer buf) throws Failed {
        buf.clear().limit((int) length);
        try {
            node.read(offset, buf);
        } catch (IOException | ImageException e) {
            throw new Failed(READ_FAILED, "Error while reading offset " + offset + " of " + name + ": "
                    + e.getMessage());
        }
        buf.flip();
    }

    private static long firstMismatch(ByteBuffer x, ByteBuffer y, int length) {
        int m = x.slice(0, length).mismatch(y.slice(0, length));
        return m < 0 ? -1 : (long) (m / SECTOR) * SECTOR;
    }

    /** The offset of the first 512-byte sector holding a non-zero byte, as qemu-img reports it. */
    private static long firstNonZeroSector(ByteBuffer buf, int length) {
        for (int pos = 0; pos < length; pos += SECTOR) {
            int n = Math.min(SECTOR, length - pos);
            if (!dev.jimg.block.util.ZeroDetector.isZero(buf, pos, n)) {
                return pos;
            }
        }
        return -1;
    }
}
