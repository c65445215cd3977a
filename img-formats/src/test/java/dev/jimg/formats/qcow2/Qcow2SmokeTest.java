package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qcow2SmokeTest {
    @TempDir
    Path dir;

    @Test
    void readsImageWrittenByQemu() throws Exception {
        QemuTools.ok(dir, "qemu-img", "create", "-f", "qcow2", "a.qcow2", "4M");
        QemuTools.qemuIo(dir, "a.qcow2", "write -P 0x11 0 100k", "write -c -P 0x22 1M 64k", "write -z 2M 64k");
        assertArrayEquals(QemuTools.qemuRaw(dir, "a.qcow2"), QemuTools.jimgRaw(dir.resolve("a.qcow2")));
    }
}
