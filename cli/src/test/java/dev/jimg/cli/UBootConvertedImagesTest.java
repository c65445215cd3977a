package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.ImageOpener;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.emulator.guest.DiskImages;
import dev.jimg.emulator.testutil.GuestSession;
import dev.jimg.emulator.testutil.UBootConsole;
import dev.jimg.formats.Formats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Debian's U-Boot on images {@code jimg convert} made: {@code virtio scan} finds an ext4 disk in
 * each format, {@code ext4ls} lists a file, {@code ext4load} and {@code crc32} read it exactly; then
 * {@code virtio write} stores 64 KiB of it on a second disk in the same format, through the format
 * driver. The host reads that back with qemu-img, and {@code jimg check} and {@code qemu-img check}
 * find both images clean (or, for vpc, agree that the format has no check). (Debian's U-Boot is built without {@code ext4write}, so U-Boot writes
 * blocks, not files.)
 */
@Tag("interop")
class UBootConvertedImagesTest {
    private static final Duration BOOT = Duration.ofMinutes(3);
    private static final Duration COMMAND = Duration.ofMinutes(1);
    private static final int FILE_SIZE = 300_000;
    private static final long DISK_SIZE = 32L << 20;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "vdi", "vmdk", "vpc", "vhdx"})
    void readsAFileAndWritesBlocksOnImagesJimgConverted(String format) throws Exception {
        assertTrue(Files.exists(UBootConsole.UBOOT), "Debian's u-boot-qemu package provides " + UBootConsole.UBOOT);
        byte[] content = new byte[FILE_SIZE];
        new Random(7).nextBytes(content);
        Path raw = dir.resolve("disk.raw");
        DiskImages.ext4(raw, DISK_SIZE, Map.of("/data/file.bin", content));
        Path disk = dir.resolve("disk." + format);
        Jimg.run("convert", "-f", "raw", "-O", format, raw.toString(), disk.toString()).assertSuccess();
        Path scratch = dir.resolve("scratch." + format);
        Jimg.run("create", "-q", "-f", format, scratch.toString(), "1M").assertSuccess();

        List<String> args = UBootConsole.bootOptions(
                "-drive", "file=" + disk + ",format=" + format + ",if=none,id=fs", "-device", "virtio-blk-device,drive=fs",
                "-drive", "file=" + scratch + ",format=" + format + ",if=none,id=scratch",
                "-device", "virtio-blk-device,drive=scratch");
        try (GuestSession guest = new GuestSession(args, new ImageOpener(Formats.registry(), w -> { }))) {
            UBootConsole.stopAutoboot(guest, BOOT);
            run(guest, "virtio scan");
            String listing = run(guest, "ext4ls virtio 0 /data");
            assertTrue(listing.contains(FILE_SIZE + " file.bin"), guest::output);
            String load = run(guest, "ext4load virtio 0 0x84000000 /data/file.bin");
            assertTrue(load.contains(FILE_SIZE + " bytes read"), guest::output);
            String sum = run(guest, "crc32 0x84000000 ${filesize}");
            assertTrue(sum.contains(UBootConsole.crc32Output(content)), guest::output);
            run(guest, "virtio dev 1");
            String write = run(guest, "virtio write 0x84000000 0x10 0x80");
            assertTrue(write.contains("128 blocks written: OK"), guest::output);
            guest.type("poweroff\r");
            assertEquals(0, guest.awaitExit(COMMAND));
        }

        for (Path image : List.of(disk, scratch)) {
            // vpc has no check in either tool (exit 63); the others must be clean in both.
            ExternalTool.Result qemu = ExternalTool.run(dir, "qemu-img", "check", image.toString());
            assertEquals(format.equals("vpc") ? 63 : 0, qemu.exitCode(), qemu::stderr);
            assertEquals(qemu.exitCode(), Jimg.run("check", image.toString()).exitCode());
            if (qemu.exitCode() == 0) {
                assertTrue(qemu.stdout().contains("No errors were found on the image."), qemu.stdout());
            }
        }
        Path back = dir.resolve("scratch.raw");
        ExternalTool.run(dir, "qemu-img", "convert", "-f", format, "-O", "raw", scratch.toString(), back.toString())
                .assertSuccess();
        byte[] actual = Files.readAllBytes(back);
        // vpc rounds 1 MiB up to whole CHS cylinders, as qemu-img does; the rest reads as zeroes.
        byte[] expected = new byte[Math.max(1 << 20, actual.length)];
        System.arraycopy(content, 0, expected, 16 * 512, 0x10000);
        assertArrayEquals(expected, actual);
    }

    private static String run(GuestSession guest, String command) throws Exception {
        return UBootConsole.run(guest, command, COMMAND);
    }
}
