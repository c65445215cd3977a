package dev.jimg.emulator.machine;

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
 * Debian's OpenSBI and U-Boot ({@code qemu-riscv64_smode}) on this machine: boot to the prompt,
 * find the virtio disks, read a file from ext4 (made with {@code mkfs.ext4 -d}) and check its
 * CRC-32 as U-Boot computes it, and write blocks to a second disk that the host then reads back.
 * (Debian's U-Boot is built without {@code ext4write}, so writes go through {@code virtio write}.)
 */
@Tag("interop")
class UBootTest {
    static final Duration BOOT = Duration.ofMinutes(3);
    private static final Duration COMMAND = Duration.ofMinutes(1);
    private static final int FILE_SIZE = 300_000;
    /** The ext4 disks: U-Boot reports their capacity as 32.0 MB. */
    static final long DISK_SIZE = 32L << 20;
    /** The disks U-Boot writes blocks to, all zeroes at first. */
    static final int BLANK_SIZE = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void readsAndWritesExt4OnAVirtioDisk() throws Exception {
        byte[] content = new byte[FILE_SIZE];
        new Random(7).nextBytes(content);
        Path disk = dir.resolve("disk.raw");
        DiskImages.ext4(disk, DISK_SIZE, Map.of("/data/file.bin", content));
        Path blank = blank(dir, "blank.raw");

        try (GuestSession guest = new GuestSession(UBootConsole.bootOptions(
                "-drive", "file=" + disk + ",format=raw,if=none,id=fs", "-device", "virtio-blk-device,drive=fs",
                "-drive", "file=" + blank + ",format=raw,if=none,id=scratch",
                "-device", "virtio-blk-device,drive=scratch"))) {
            UBootConsole.stopAutoboot(guest, BOOT);
            run(guest, "virtio scan");
            String info = run(guest, "virtio info");
            assertTrue(info.contains("Device 0: QEMU VirtIO Block Device") && info.contains("Capacity: 32.0 MB")
                    && info.contains("Device 1: QEMU VirtIO Block Device"), () -> guest.output());
            String listing = run(guest, "ext4ls virtio 0 /data");
            assertTrue(listing.contains(FILE_SIZE + " file.bin"), () -> guest.output());
            String load = run(guest, "ext4load virtio 0 0x84000000 /data/file.bin");
            assertTrue(load.contains(FILE_SIZE + " bytes read"), () -> guest.output());
            String sum = run(guest, "crc32 0x84000000 ${filesize}");
            assertTrue(sum.contains(UBootConsole.crc32Output(content)), () -> guest.output());
            // The first 64 KiB of the file to blocks 16..143 of the second disk.
            run(guest, "virtio dev 1");
            String write = run(guest, "virtio write 0x84000000 0x10 0x80");
            assertTrue(write.contains("128 blocks written: OK"), () -> guest.output());
            guest.type("poweroff\r");
            assertEquals(0, guest.awaitExit(COMMAND));
        }
        byte[] written = Files.readAllBytes(blank);
        byte[] expected = new byte[BLANK_SIZE];
        System.arraycopy(content, 0, expected, 16 * 512, 0x10000);
        assertArrayEquals(expected, written);
    }

    /** Types a command and returns what it printed before the next prompt. */
    static String run(GuestSession guest, String command) throws Exception {
        return UBootConsole.run(guest, command, COMMAND);
    }

    /** A zeroed raw disk of {@link #BLANK_SIZE} bytes for U-Boot to write blocks to. */
    static Path blank(Path dir, String name) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, new byte[BLANK_SIZE]);
        return p;
    }
}
