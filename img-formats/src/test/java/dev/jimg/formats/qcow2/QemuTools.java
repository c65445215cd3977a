package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.Formats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real qemu-img and qemu-io (from PATH) for interop tests, and opens images through jimg. */
final class QemuTools {
    private static final long TIMEOUT_SECONDS = 120;

    private QemuTools() {
    }

    /** The result of a tool run. */
    record Result(int exit, String out, String err) {
    }

    static Result run(Path dir, String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t1 = pump(p.getInputStream(), out);
        Thread t2 = pump(p.getErrorStream(), err);
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " timed out");
            }
            t1.join();
            t2.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return new Result(p.exitValue(), out.toString(), err.toString());
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(to);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        return t;
    }

    /** Runs and fails the test unless the tool exits 0. */
    static String ok(Path dir, String... cmd) throws IOException {
        Result r = run(dir, cmd);
        if (r.exit() != 0) {
            fail(String.join(" ", cmd) + " exited " + r.exit() + "\nstdout: " + r.out() + "\nstderr: " + r.err());
        }
        return r.out();
    }

    /** {@code qemu-io -f qcow2 -c cmd1 -c cmd2 … image}. */
    static void qemuIo(Path dir, String image, String... commands) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image);
        String out = ok(dir, cmd.toArray(String[]::new));
        if (out.contains("error") || out.contains("failed")) {
            fail("qemu-io reported: " + out);
        }
    }

    /** The guest contents of an image as qemu-img sees them ({@code convert -O raw}). */
    static byte[] qemuRaw(Path dir, String image) throws IOException {
        Path raw = dir.resolve(image + ".qemu.raw");
        ok(dir, "qemu-img", "convert", "-O", "raw", image, raw.toString());
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }

    static ImageOpener opener() {
        return new ImageOpener(Formats.registry(), w -> { });
    }

    static BlockNode open(Path image, boolean readOnly) throws IOException {
        return opener().open(image.toString(), null, readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.defaults());
    }

    /** The guest contents of an image as jimg reads them. */
    static byte[] jimgRaw(Path image) throws IOException {
        try (BlockNode n = open(image, true)) {
            ByteBuffer b = ByteBuffer.allocate((int) n.size());
            n.read(0, b);
            return b.array();
        }
    }
}
