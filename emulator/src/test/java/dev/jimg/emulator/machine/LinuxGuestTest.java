package dev.jimg.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.guest.DiskBus;
import dev.jimg.emulator.guest.DiskImages;
import dev.jimg.emulator.guest.GuestPattern;
import dev.jimg.emulator.guest.GuestReport;
import dev.jimg.emulator.testutil.LinuxGuest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux 6.1 test guest ({@code testdata/guest}) on this machine with Debian's OpenSBI: it boots
 * to init, and init's {@code readwrite} test mounts an ext4 file system on a virtio-mmio disk,
 * reads a file, writes one, and reads it back after a remount; the host then reads the written
 * file with {@code debugfs}.
 */
@Tag("interop")
class LinuxGuestTest {
    private static final long DISK_SIZE = 64L << 20;
    private static final byte[] HELLO = "hello from the host\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void bootsToInitAndPowersOff() throws Exception {
        GuestReport report = LinuxGuest.boot("jimg.test=hello", List.of());
        assertEquals("Linux", report.value("sysname"));
        assertEquals("riscv64", report.value("machine"));
        assertTrue(report.value("release").startsWith("6.1."), report.console());
    }

    @Test
    void readsAndWritesExt4OnAVirtioMmioDisk() throws Exception {
        Path disk = dir.resolve("disk.raw");
        DiskImages.ext4(disk, DISK_SIZE, Map.of("/hello.txt", HELLO));

        GuestReport report = LinuxGuest.boot("jimg.test=readwrite jimg.dev=/dev/vda jimg.write=/written.bin"
                + " jimg.size=1M jimg.seed=7", DiskBus.VIRTIO_MMIO.qemuArguments(disk));

        byte[] expected = GuestPattern.bytes(7, 0, 1 << 20);
        assertEquals(GuestPattern.crc32(HELLO), report.value("read.crc32"));
        assertEquals(GuestPattern.crc32(expected), report.value("readback.crc32"));
        assertArrayEquals(expected, DiskImages.readExt4File(disk, "/written.bin"));
    }

    @Test
    void snapshotModeKeepsTheImageUnchanged() throws Exception {
        Path disk = dir.resolve("disk.raw");
        DiskImages.ext4(disk, DISK_SIZE, Map.of("/hello.txt", HELLO));
        byte[] before = Files.readAllBytes(disk);

        GuestReport report = LinuxGuest.boot("jimg.test=readwrite jimg.dev=/dev/vda jimg.size=256K",
                List.of("-drive", "file=" + disk + ",format=raw,if=virtio,snapshot=on"));

        assertEquals(GuestPattern.crc32(GuestPattern.bytes(1, 0, 256 << 10)), report.value("readback.crc32"));
        assertArrayEquals(before, Files.readAllBytes(disk), "snapshot=on must not write to the image");
    }
}
