package dev.jimg.emulator.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The test guest works in the reference machine: QEMU's {@code virt} board boots it, init drives
 * each disk bus our emulator must offer, and what the guest wrote is on the disk image. These are
 * the runs jimg's emulator has to reproduce.
 */
@Tag("interop")
class GuestBootsInQemuTest {

    private static final long DISK_SIZE = 64L << 20;
    private static final byte[] HELLO = "hello from the host\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void bootsToInitAndPowersOff() throws IOException {
        QemuGuest.Run run = boot("jimg.test=hello", List.of());

        assertEquals("Linux", run.report().value("sysname"));
        assertEquals("riscv64", run.report().value("machine"));
        assertTrue(run.report().value("release").startsWith("6.1."), run.report().console());
        assertTrue(run.report().uptimeMicros() > 0, run.report().console());
    }

    @ParameterizedTest
    @EnumSource(DiskBus.class)
    void readsAndWritesAnExt4FileSystemOnEveryBus(DiskBus bus) throws IOException {
        Path disk = dir.resolve("disk.raw");
        DiskImages.ext4(disk, DISK_SIZE, Map.of("/hello.txt", HELLO));

        QemuGuest.Run run = boot("jimg.test=readwrite jimg.dev=" + bus.guestDevice()
                + " jimg.write=/written.bin jimg.size=1M jimg.seed=7", bus.qemuArguments(disk));

        byte[] expected = GuestPattern.bytes(7, 0, 1 << 20);
        assertEquals(GuestPattern.crc32(HELLO), run.report().value("read.crc32"));
        assertEquals(HELLO.length, run.report().longValue("read.length"));
        assertEquals(GuestPattern.crc32(expected), run.report().value("write.crc32"));
        assertEquals(GuestPattern.crc32(expected), run.report().value("readback.crc32"));
        assertArrayEquals(expected, DiskImages.readExt4File(disk, "/written.bin"));
    }

    @Test
    void findsTheFileSystemInAGptPartition() throws IOException {
        Path fs = dir.resolve("fs.raw");
        Path disk = dir.resolve("disk.raw");
        DiskImages.ext4(fs, DISK_SIZE / 2, Map.of("/data/in.txt", HELLO));
        DiskImages.gpt(disk, DISK_SIZE, fs);

        QemuGuest.Run run = boot("jimg.test=readwrite jimg.dev=/dev/vda1 jimg.read=/data/in.txt"
                + " jimg.write=/data/out.bin jimg.size=300000 jimg.seed=3",
                DiskBus.VIRTIO_PCI.qemuArguments(disk));

        assertEquals(GuestPattern.crc32(HELLO), run.report().value("read.crc32"));
        assertArrayEquals(GuestPattern.bytes(3, 0, 300_000),
                DiskImages.readExt4File(disk, DiskImages.PARTITION_OFFSET, "/data/out.bin"));
    }

    @Test
    void parallelWorkersLeaveTheLastRoundsPatternOnTheRawDisk() throws IOException {
        Path disk = dir.resolve("disk.raw");
        try (RandomAccessFile raf = new RandomAccessFile(disk.toFile(), "rw")) {
            raf.setLength(DISK_SIZE);
        }
        int procs = 3;
        int region = 1 << 20;
        int offset = 4096;

        QemuGuest.Run run = boot("jimg.test=stress jimg.dev=/dev/sda jimg.procs=" + procs
                + " jimg.region=" + region + " jimg.offset=" + offset + " jimg.rounds=2 jimg.seed=11",
                DiskBus.AHCI.qemuArguments(disk));

        assertEquals(0, run.report().longValue("stress.mismatched_sectors"));
        assertEquals(0, run.report().longValue("stress.io_errors"));
        byte[] written = new byte[procs * region];
        try (RandomAccessFile raf = new RandomAccessFile(disk.toFile(), "r")) {
            raf.seek(offset);
            raf.readFully(written);
        }
        assertArrayEquals(GuestPattern.bytes(12, offset, written.length), written,
                "the device holds round 2's pattern (seed 11 + 1)");
    }

    @Test
    void benchmarkReportsEveryPhase() throws IOException {
        Path disk = dir.resolve("disk.raw");
        try (RandomAccessFile raf = new RandomAccessFile(disk.toFile(), "rw")) {
            raf.setLength(DISK_SIZE);
        }

        QemuGuest.Run run = boot("jimg.test=bench jimg.dev=/dev/vda jimg.region=2M",
                DiskBus.VIRTIO_MMIO.qemuArguments(disk));

        assertEquals(1, run.report().longValue("bench.direct"));
        for (String phase : List.of("seqwrite", "seqread", "randwrite", "randread")) {
            assertTrue(run.report().longValue("bench." + phase + ".iops") > 0, run.report().console());
        }
    }

    @Test
    void reportsAMissingDiskAndStillPowersOff() throws IOException {
        QemuGuest.Run run = QemuGuest.boot("jimg.test=readwrite jimg.dev=/dev/sdz jimg.wait_ms=300",
                List.of(), QemuGuest.DEFAULT_TIMEOUT);

        assertEquals(0, run.exitCode(), run.report().console());
        assertEquals("FAIL device-missing /dev/sdz", run.report().status().orElseThrow(), run.report().console());
    }

    /** Boots and requires a clean run: init finished with OK and the guest powered off. */
    private static QemuGuest.Run boot(String parameters, List<String> qemuOptions) throws IOException {
        QemuGuest.Run run = QemuGuest.boot(parameters, qemuOptions, QemuGuest.DEFAULT_TIMEOUT);
        String console = run.report().console();
        assertFalse(run.timedOut(), () -> "QEMU was killed after " + run.total() + "; console:\n" + console);
        assertTrue(run.report().ok(), () -> "init did not report OK; console:\n" + console);
        assertEquals(0, run.exitCode(), () -> "QEMU exit code; console:\n" + console);
        return run;
    }
}
