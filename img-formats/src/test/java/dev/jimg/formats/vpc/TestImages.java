package dev.jimg.formats.vpc;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jimg.block.BlockNode;
import dev.jimg.block.testing.ExternalTool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * What the VHD, VHDX and container tests share besides {@link dev.jimg.formats.testing.Images}:
 * comparing a node with the raw bytes qemu-img produced, writing patterns with qemu-io, and the
 * sample images.
 */
public final class TestImages {
    private static final int COMPARE_CHUNK = 1 << 20;

    private TestImages() {
    }

    /** {@code qemu-io -f format -c 'write -P pattern offset length' …} for each write. */
    public static void qemuWrite(Path image, String format, String... writes) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String w : writes) {
            cmd.add("-c");
            cmd.add("write -P " + w);
        }
        cmd.add(image.toString());
        ExternalTool.run(image.getParent(), 300, cmd).assertSuccess();
    }

    /** The guest contents as qemu-img sees them: {@code qemu-img convert -O raw}. */
    public static Path qemuToRaw(Path image, String format) {
        Path raw = image.resolveSibling(image.getFileName() + ".qemu.raw");
        ExternalTool.qemuImg(image.getParent(), "convert", "-f", format, "-O", "raw", image.toString(), raw.toString())
                .assertSuccess();
        return raw;
    }

    /** Fails at the first byte where {@code node} differs from the file {@code expected}. */
    public static void assertSameContents(Path expected, BlockNode node) throws IOException {
        try (FileChannel ch = FileChannel.open(expected, StandardOpenOption.READ)) {
            if (ch.size() != node.size()) {
                fail(node.filename() + ": size " + node.size() + ", expected " + ch.size());
            }
            ByteBuffer want = ByteBuffer.allocate(COMPARE_CHUNK);
            ByteBuffer got = ByteBuffer.allocate(COMPARE_CHUNK);
            for (long pos = 0; pos < ch.size(); pos += COMPARE_CHUNK) {
                int n = (int) Math.min(COMPARE_CHUNK, ch.size() - pos);
                want.clear().limit(n);
                got.clear().limit(n);
                while (want.hasRemaining() && ch.read(want, pos + want.position()) >= 0) {
                    // read fully
                }
                node.read(pos, got);
                int mismatch = want.flip().mismatch(got.flip());
                if (mismatch >= 0) {
                    fail(node.filename() + " differs from " + expected.getFileName() + " at byte " + (pos + mismatch));
                }
            }
        }
    }

    /** The repository's {@code testdata/} directory, found from the module's working directory. */
    public static Path testData(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("testdata").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new AssertionError("test data " + relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * Unpacks {@code testdata/<relative>} (a .bz2) into {@code dir}, sparsely (zero runs become
     * holes: some samples are hundreds of MiB of zeros); returns the unpacked file.
     */
    public static Path unpackSample(String relative, Path dir) throws IOException {
        Path source = testData(relative);
        String name = source.getFileName().toString();
        Path out = dir.resolve(name.substring(0, name.length() - ".bz2".length()));
        byte[] chunk = new byte[64 * 1024];
        try (InputStream in = new BZip2CompressorInputStream(Files.newInputStream(source));
                FileChannel o = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = 0;
            int n;
            while ((n = in.readNBytes(chunk, 0, chunk.length)) > 0) {
                if (!dev.jimg.block.util.ZeroDetector.isZero(chunk, 0, n)) {
                    o.write(ByteBuffer.wrap(chunk, 0, n), pos);
                }
                pos += n;
            }
            if (o.size() < pos) {
                o.write(ByteBuffer.allocate(1), pos - 1);
            }
        }
        return out;
    }

    /** A byte array filled with {@code value}. */
    public static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }
}
