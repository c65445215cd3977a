package dev.jimg.emulator.machine;

import static dev.jimg.emulator.machine.UBootTest.blank;
import static dev.jimg.emulator.machine.UBootTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.guest.DiskImages;
import dev.jimg.emulator.testutil.GuestSession;
import dev.jimg.emulator.testutil.UBootConsole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's U-Boot ({@code qemu-riscv64_smode}) on the PCIe storage controllers: {@code pci} lists
 * them, {@code virtio scan} finds the virtio-blk-pci disks — the transitional one (QEMU's default)
 * through U-Boot's legacy virtio-pci driver, the {@code disable-legacy=on} one through its modern
 * driver — and {@code scsi scan} the SATA disks through its AHCI driver; files load from ext4 with the
 * right CRC-32, blocks written reach the images, and after {@code reset} (a new machine over the
 * same disks) it all works again. Debian's U-Boot has no {@code ext4write}, so writes are raw
 * block writes.
 */
@Tag("interop")
class UBootPciStorageTest {
    private static final Duration EXIT = Duration.ofMinutes(1);
    private static final int FILE_SIZE = 200_000;

    @TempDir
    Path dir;

    @Test
    void findsReadsAndWritesDisksOnVirtioPciAndAhciAcrossAReset() throws Exception {
        byte[] content = new byte[FILE_SIZE];
        new Random(17).nextBytes(content);
        Path virtioFs = dir.resolve("virtio.raw");
        DiskImages.ext4(virtioFs, UBootTest.DISK_SIZE, Map.of("/data/file.bin", content));
        Path sataFs = dir.resolve("sata.raw");
        DiskImages.ext4(sataFs, UBootTest.DISK_SIZE, Map.of("/data/file.bin", content));
        Path virtioBlank = blank(dir, "virtio-blank.raw");
        Path sataBlank = blank(dir, "sata-blank.raw");
        String sum = UBootConsole.crc32Output(content);

        try (GuestSession guest = new GuestSession(UBootConsole.bootOptions(
                "-drive", "file=" + virtioFs + ",format=raw,if=none,id=v0", "-device", "virtio-blk-pci,drive=v0",
                "-drive", "file=" + virtioBlank + ",format=raw,if=none,id=v1",
                "-device", "virtio-blk-pci,drive=v1,disable-legacy=on",
                "-device", "ahci,id=sata",
                "-drive", "file=" + sataFs + ",format=raw,if=none,id=s0", "-device", "ide-hd,drive=s0,bus=sata.0",
                "-drive", "file=" + sataBlank + ",format=raw,if=none,id=s1", "-device", "ide-hd,drive=s1,bus=sata.1"))) {
            prompt(guest);
            String pci = run(guest, "pci");
            assertTrue(pci.contains("00.01.00   0x1af4     0x1001") && pci.contains("00.02.00   0x1af4     0x1042")
                    && pci.contains("00.03.00   0x8086     0x2922"), pci);
            run(guest, "virtio scan");
            String drivers = run(guest, "dm tree");
            assertTrue(drivers.contains("virtio-pci.l") && drivers.contains("virtio-pci.m"), drivers);

            loadAndCheck(guest, sum);
            run(guest, "virtio dev 1");
            assertTrue(run(guest, "virtio write 0x84000000 0x10 0x80").contains("128 blocks written: OK"), guest::output);
            run(guest, "scsi dev 1");
            assertTrue(run(guest, "scsi write 0x84000000 0x20 0x40").contains("64 blocks written: OK"), guest::output);

            guest.type("reset\r");
            prompt(guest);
            loadAndCheck(guest, sum);
            guest.type("poweroff\r");
            assertEquals(0, guest.awaitExit(EXIT));
        }
        byte[] expectedVirtio = new byte[UBootTest.BLANK_SIZE];
        System.arraycopy(content, 0, expectedVirtio, 16 * 512, 128 * 512);
        assertArrayEquals(expectedVirtio, Files.readAllBytes(virtioBlank));
        byte[] expectedSata = new byte[UBootTest.BLANK_SIZE];
        System.arraycopy(content, 0, expectedSata, 32 * 512, 64 * 512);
        assertArrayEquals(expectedSata, Files.readAllBytes(sataBlank));
    }

    private static void prompt(GuestSession guest) throws Exception {
        UBootConsole.stopAutoboot(guest, UBootTest.BOOT);
    }

    /** Both buses scanned, the file loaded from each ext4 disk and its CRC-32 checked. */
    private static void loadAndCheck(GuestSession guest, String sum) throws Exception {
        run(guest, "virtio scan");
        String virtio = run(guest, "virtio info");
        assertTrue(virtio.contains("Device 0: 1af4 VirtIO Block Device") && virtio.contains("Capacity: 32.0 MB")
                && virtio.contains("Device 1: 1af4 VirtIO Block Device"), guest::output);
        String scsi = run(guest, "scsi scan");
        assertTrue(scsi.contains("Device 0: (0:0) Vendor: ATA Prod.: QEMU HARDDISK") && scsi.contains("Device 1: (1:0)"),
                guest::output);
        run(guest, "virtio dev 0");
        assertTrue(run(guest, "ext4load virtio 0 0x84000000 /data/file.bin").contains(FILE_SIZE + " bytes read"),
                guest::output);
        assertTrue(run(guest, "crc32 0x84000000 ${filesize}").contains(sum), guest::output);
        assertTrue(run(guest, "ext4load scsi 0 0x85000000 /data/file.bin").contains(FILE_SIZE + " bytes read"),
                guest::output);
        assertTrue(run(guest, "crc32 0x85000000 ${filesize}").contains(sum), guest::output);
    }
}
