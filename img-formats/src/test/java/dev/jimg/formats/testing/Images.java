package dev.jimg.formats.testing;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.formats.Formats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Opening and creating images through the registry, as the command line does, for format tests. */
public final class Images {
    private static final ImageOpener OPENER = new ImageOpener(Formats.registry(), w -> { });

    private Images() {
    }

    public static BlockNode open(Path path, String format, OpenOptions options) throws IOException {
        ImageOpener opener = path.getFileSystem() == FileSystems.getDefault() ? OPENER
                : new ImageOpener(Formats.registry(), path.getFileSystem(), w -> { });
        return opener.open(path.toString(), format, options);
    }

    public static BlockNode open(Path path, String format) throws IOException {
        return open(path, format, OpenOptions.defaults());
    }

    public static BlockNode openReadOnly(Path path) throws IOException {
        return open(path, null, OpenOptions.readOnlyDefaults());
    }

    /** {@code create -f format -o options path size}. */
    public static void create(String format, Path path, long size, Map<String, String> options) throws IOException {
        FormatDriver driver = Formats.registry().require(format);
        ImageOptions opts = ImageOptions.of(driver.createOptions(), options);
        FileSystem fs = path.getFileSystem();
        CreateRequest.BackingOpener backing = (name, fmt, relativeTo, o) ->
                open(relativeTo.resolve(name), fmt, o);
        driver.create(new CreateRequest(path, path.toString(), size, opts, backing));
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) && fs == FileSystems.getDefault()) {
            throw new IOException("create did not make " + path);
        }
    }

    /** The whole guest contents. */
    public static byte[] readAll(BlockNode node) throws IOException {
        long size = node.size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too large to read into memory: " + size);
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        node.read(0, buf);
        return buf.array();
    }

    /** Writes {@code data} at {@code offset} to the image and to its model alike. */
    public static void write(BlockNode node, byte[] model, long offset, byte[] data) throws IOException {
        node.write(offset, ByteBuffer.wrap(data));
        System.arraycopy(data, 0, model, (int) offset, data.length);
    }

    /** Writes {@code length} bytes of {@code value} at {@code offset} to the image and to its model alike. */
    public static void fill(BlockNode node, byte[] model, long offset, int length, byte value) throws IOException {
        byte[] data = new byte[length];
        Arrays.fill(data, value);
        write(node, model, offset, data);
    }

    /**
     * qemu-img's verdict on an image jimg wrote: {@code check} finds nothing wrong, and
     * {@code compare} finds the guest contents equal to {@code model} (written to
     * {@code scratch} as a raw file for it).
     */
    public static void assertQemuAgrees(Path image, String format, byte[] model, Path scratch) throws IOException {
        Path raw = scratch.resolve("model-" + System.nanoTime() + ".raw");
        Files.write(raw, model);
        try {
            assertQemuAgrees(image, format, raw);
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    /** As {@link #assertQemuAgrees(Path, String, byte[], Path)}, against a raw file of the expected contents. */
    public static void assertQemuAgrees(Path image, String format, Path raw) throws IOException {
        run("qemu-img", "check", "-f", format, image.toString());
        run("qemu-img", "compare", "-f", format, "-F", "raw", image.toString(), raw.toString());
    }

    /** Runs a command, failing with its output unless it exits with one of {@code okCodes} (0 if none). */
    public static Result run(List<String> command, int... okCodes) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Process p = pb.start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + command, e);
        }
        String text = new String(out, java.nio.charset.StandardCharsets.UTF_8);
        int[] ok = okCodes.length == 0 ? new int[] {0} : okCodes;
        for (int c : ok) {
            if (c == code) {
                return new Result(code, text);
            }
        }
        throw new IOException(String.join(" ", command) + " exited with " + code + ":\n" + text);
    }

    public static Result run(String... command) throws IOException {
        return run(List.of(command));
    }

    /** qemu-io with one or more {@code -c} commands, opened with {@code -f format}. */
    public static void qemuIo(Path image, String format, String... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image.toString());
        run(cmd);
    }

    /** The guest contents as qemu-img sees them ({@code convert -O raw}). */
    public static byte[] qemuRaw(Path image, String format, Path scratch) throws IOException {
        Path raw = scratch.resolve("qemu-view-" + System.nanoTime() + ".raw");
        run("qemu-img", "convert", "-f", format, "-O", "raw", image.toString(), raw.toString());
        try {
            return Files.readAllBytes(raw);
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    /** Unpacks a bzip2 test image with the system's bzip2. */
    public static Path bunzip(Path compressed, Path into) throws IOException {
        String name = compressed.getFileName().toString().replaceFirst("\\.bz2$", "");
        Path out = into.resolve(name);
        Process p = new ProcessBuilder("bzip2", "-dc", compressed.toString()).start();
        try (InputStream in = p.getInputStream(); OutputStream o = Files.newOutputStream(out)) {
            in.transferTo(o);
        }
        try {
            if (p.waitFor() != 0) {
                throw new IOException("bzip2 failed on " + compressed);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }

    public record Result(int exitCode, String output) {
    }
}
