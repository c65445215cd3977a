package dev.jimg.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.testutil.GuestSession;
import dev.jimg.emulator.testutil.UBootConsole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
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
    static final Path UBOOT = Path.of("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin");
    private static final Duration BOOT = Duration.ofMinutes(3);
    private static final Duration COMMAND = Duration.ofMinutes(1);
    private static final int FILE_SIZE = 300_000;

    @TempDir
    Path dir;

    @Test
    void readsAndWritesExt4OnAVirtioDisk() throws Exception {
        byte[] content = new byte[FILE_SIZE];
        new Random(7).nextBytes(content);
        Path disk = Ext4Images.create(dir, "disk.raw", "data/file.bin", content);
        Path blank = dir.resolve("blank.raw");
        Files.write(blank, new byte[1 << 20]);
        CRC32 crc = new CRC32();
        crc.update(content);

        try (GuestSession guest = new GuestSession(List.of("-M", "virt", "-m", "256M", "-nographic",
                "-bios", "default", "-kernel", UBOOT.toString(),
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
            assertTrue(sum.contains(String.format("==> %08x", crc.getValue())), () -> guest.output());
            // The first 64 KiB of the file to blocks 16..143 of the second disk.
            run(guest, "virtio dev 1");
            String write = run(guest, "virtio write 0x84000000 0x10 0x80");
            assertTrue(write.contains("128 blocks written: OK"), () -> guest.output());
            guest.type("poweroff\r");
            assertEquals(0, guest.awaitExit(COMMAND));
        }
        byte[] written = Files.readAllBytes(blank);
        byte[] expected = new byte[1 << 20];
        System.arraycopy(content, 0, expected, 16 * 512, 0x10000);
        assertArrayEquals(expected, written);
    }

    /** Types a command and returns what it printed before the next prompt. */
    static String run(GuestSession guest, String command) throws Exception {
        return UBootConsole.run(guest, command, COMMAND);
    }

    /** ext4 images made with e2fsprogs. */
    static final class Ext4Images {
        private Ext4Images() {
        }

        static Path create(Path dir, String name, String file, byte[] content) throws IOException, InterruptedException {
            Path root = dir.resolve("root");
            Path target = root.resolve(file);
            Files.createDirectories(target.getParent());
            Files.write(target, content);
            Path image = dir.resolve(name);
            exec(dir, "mkfs.ext4", "-q", "-F", "-d", root.toString(), image.toString(), "32M");
            return image;
        }

        private static void exec(Path dir, String... command) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        }
    }
}
