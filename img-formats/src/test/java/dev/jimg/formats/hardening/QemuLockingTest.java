package dev.jimg.formats.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.formats.testing.Images;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jimg and QEMU's tools honour each other's image locks: a real {@code qemu-io}, kept open by
 * commands from a pipe, holds an image while jimg tries to open it, and jimg holds one while
 * {@code qemu-io} and {@code qemu-img} try. {@code -U} ({@link OpenOptions#forceShare}) lets a
 * reader in, as in qemu-img.
 */
@Tag("interop")
class QemuLockingTest {
    private static final OpenOptions READ_ONLY = OpenOptions.readOnlyDefaults();
    private static final OpenOptions FORCE_SHARE = OpenOptions.builder().readOnly(true).forceShare(true).build();

    @TempDir
    Path dir;
    private Path img;

    @BeforeEach
    void createImage() throws IOException {
        img = dir.resolve("locked.qcow2");
        Images.create("qcow2", img, 1 << 20, Map.of());
    }

    @Test
    void imageQemuIoWritesIsRefusedToJimgUnlessReadOnlyAndForceShared() throws Exception {
        try (QemuIo qemu = QemuIo.hold(img, false)) {
            ImageException rw = assertThrows(ImageException.class, () -> Images.open(img, "qcow2").close());
            assertTrue(rw.getMessage().contains("Failed to get \"write\" lock"), rw.getMessage());
            assertTrue(rw.getMessage().contains("Is another process using the image"), rw.getMessage());
            ImageException ro = assertThrows(ImageException.class, () -> Images.open(img, "qcow2", READ_ONLY).close());
            assertTrue(ro.getMessage().contains("Failed to get shared \"write\" lock"), ro.getMessage());
            try (BlockNode shared = Images.open(img, "qcow2", FORCE_SHARE)) {
                assertEquals(1 << 20, shared.size());
            }
        }
        try (BlockNode node = Images.open(img, "qcow2")) {
            node.write(0, ByteBuffer.wrap(new byte[] {1}));
        }
    }

    @Test
    void imageQemuIoReadsMayBeReadButNotWrittenByJimg() throws Exception {
        try (QemuIo qemu = QemuIo.hold(img, true)) {
            ImageException rw = assertThrows(ImageException.class, () -> Images.open(img, "qcow2").close());
            assertTrue(rw.getMessage().contains("Failed to get \"write\" lock"), rw.getMessage());
            try (BlockNode reader = Images.open(img, "qcow2", READ_ONLY)) {
                assertEquals(1 << 20, reader.size());
            }
        }
    }

    @Test
    void imageJimgWritesIsRefusedToQemuToolsUnlessForceShared() throws Exception {
        try (BlockNode node = Images.open(img, "qcow2")) {
            ExternalTool.Result io = ExternalTool.qemuIo(dir, "-c", "write 0 512", img.toString());
            assertTrue(io.exitCode() != 0 && io.stderr().contains("Failed to get \"write\" lock"), io.stderr());
            ExternalTool.Result info = ExternalTool.qemuImg(dir, "info", img.toString());
            assertTrue(info.exitCode() != 0 && info.stderr().contains("Failed to get shared \"write\" lock"),
                    info.stderr());
            ExternalTool.qemuImg(dir, "info", "-U", img.toString()).assertSuccess();
        }
        ExternalTool.qemuIo(dir, "-c", "write 0 512", img.toString()).assertSuccess();
    }

    @Test
    void imageJimgReadsMayBeReadButNotWrittenByQemu() throws Exception {
        try (BlockNode node = Images.open(img, "qcow2", READ_ONLY)) {
            ExternalTool.Result io = ExternalTool.qemuIo(dir, "-c", "write 0 512", img.toString());
            assertTrue(io.exitCode() != 0 && io.stderr().contains("Failed to get \"write\" lock"), io.stderr());
            ExternalTool.qemuImg(dir, "info", img.toString()).assertSuccess();
        }
    }

    @Test
    void forceShareIsForReadOnlyOpensOnly() {
        OpenOptions rwShared = OpenOptions.builder().forceShare(true).build();
        ImageException e = assertThrows(ImageException.class, () -> Images.open(img, "qcow2", rwShared).close());
        assertTrue(e.getMessage().contains("force-share=on can only be used with read-only images"), e.getMessage());
    }

    /** A qemu-io that keeps the image open until closed, fed through a pipe. */
    private static final class QemuIo implements AutoCloseable {
        private final Process process;
        private final OutputStream commands;

        private QemuIo(Process process) {
            this.process = process;
            this.commands = process.getOutputStream();
        }

        /** Starts qemu-io on {@code image} and returns once it has the image open (a read answered). */
        static QemuIo hold(Path image, boolean readOnly) throws IOException {
            List<String> cmd = readOnly ? List.of("qemu-io", "-r", image.toString()) : List.of("qemu-io", image.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            QemuIo q = new QemuIo(p);
            q.commands.write("read 0 512\n".getBytes(StandardCharsets.US_ASCII));
            q.commands.flush();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.contains("read 512/512 bytes")) {
                    return q;
                }
            }
            q.close();
            throw new AssertionError("qemu-io did not open " + image + ":\n" + seen);
        }

        @Override
        public void close() throws IOException {
            commands.close();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
