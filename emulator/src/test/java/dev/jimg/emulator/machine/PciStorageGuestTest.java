package dev.jimg.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jimg.emulator.guest.DiskBus;
import dev.jimg.emulator.guest.DiskImages;
import dev.jimg.emulator.guest.GuestPattern;
import dev.jimg.emulator.guest.GuestReport;
import dev.jimg.emulator.testutil.LinuxGuest;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Linux 6.1's own drivers on the PCIe storage controllers: {@code virtio_pci} + {@code virtio_blk}
 * and {@code ahci} + {@code libata} (NCQ) find their disk on the bus, init's {@code readwrite}
 * round-trips a file through ext4 that the host then reads with {@code debugfs}, and init's
 * {@code stress} (parallel O_DIRECT workers) sees no error and leaves its pattern on the disk.
 * Guest timer waits (AHCI link debounce) are skipped with {@code -icount shift=auto,sleep=off}.
 */
@Tag("interop")
class PciStorageGuestTest {
    private static final long DISK_SIZE = 64L << 20;
    private static final byte[] HELLO = "hello over PCI\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = DiskBus.class, names = {"VIRTIO_PCI", "AHCI"})
    void readsAndWritesExt4(DiskBus bus) throws Exception {
        Path disk = dir.resolve("disk.raw");
        DiskImages.ext4(disk, DISK_SIZE, Map.of("/hello.txt", HELLO));

        GuestReport report = LinuxGuest.boot("jimg.test=readwrite jimg.dev=" + bus.guestDevice()
                + " jimg.write=/written.bin jimg.size=1M jimg.seed=7", bus.qemuArguments(disk));

        byte[] expected = GuestPattern.bytes(7, 0, 1 << 20);
        assertEquals(GuestPattern.crc32(HELLO), report.value("read.crc32"));
        assertEquals(GuestPattern.crc32(expected), report.value("readback.crc32"));
        assertArrayEquals(expected, DiskImages.readExt4File(disk, "/written.bin"));
    }

    @ParameterizedTest
    @EnumSource(value = DiskBus.class, names = {"VIRTIO_PCI", "AHCI"})
    void parallelDirectIoSeesNoErrorAndLeavesTheLastRoundsPattern(DiskBus bus) throws Exception {
        Path disk = dir.resolve("disk.raw");
        try (RandomAccessFile raf = new RandomAccessFile(disk.toFile(), "rw")) {
            raf.setLength(DISK_SIZE);
        }
        int procs = 4;
        int region = 1 << 20;
        int offset = 1 << 20;

        GuestReport report = LinuxGuest.boot("jimg.test=stress jimg.dev=" + bus.guestDevice() + " jimg.procs=" + procs
                + " jimg.region=" + region + " jimg.offset=" + offset + " jimg.rounds=2 jimg.seed=11",
                bus.qemuArguments(disk));

        assertEquals(0, report.longValue("stress.mismatched_sectors"));
        assertEquals(0, report.longValue("stress.io_errors"));
        byte[] written = new byte[procs * region];
        try (RandomAccessFile raf = new RandomAccessFile(disk.toFile(), "r")) {
            raf.seek(offset);
            raf.readFully(written);
        }
        assertArrayEquals(GuestPattern.bytes(12, offset, written.length), written, "round 2's pattern (seed 11 + 1)");
    }
}
