package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.ImageOpener;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.emulator.guest.DiskImages;
import dev.jimg.emulator.guest.GuestImage;
import dev.jimg.emulator.guest.GuestPattern;
import dev.jimg.emulator.guest.GuestReport;
import dev.jimg.emulator.testutil.Machines;
import dev.jimg.emulator.testutil.RunResult;
import dev.jimg.formats.Formats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An ext4 disk converted to qcow2 by {@code jimg convert} and booted by the emulator through each
 * PCI storage controller: Linux's init reads a file, writes another and reads it back after a
 * remount; afterwards {@code jimg check} and {@code qemu-img check} find the image clean, and the
 * host reads the new file's exact bytes (qemu-img's raw conversion, then {@code debugfs}).
 */
@Tag("interop")
class ConvertedImageGuestTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final long DISK_SIZE = 64L << 20;
    private static final byte[] HELLO = "hello from a converted image\n".getBytes(StandardCharsets.US_ASCII);

    /** The controllers, as {@code -device} options for drive {@code disk0}, and the guest's node. */
    enum Bus {
        VIRTIO_PCI("/dev/vda", "-device", "virtio-blk-pci,drive=disk0"),
        AHCI("/dev/sda", "-device", "ahci,id=ahci0", "-device", "ide-hd,drive=disk0,bus=ahci0.0");

        final String node;
        final List<String> devices;

        Bus(String node, String... devices) {
            this.node = node;
            this.devices = List.of(devices);
        }
    }

    private static GuestImage guest;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildGuest() throws IOException {
        guest = GuestImage.build();
    }

    @ParameterizedTest
    @EnumSource(Bus.class)
    void linuxReadsAndWritesAQcow2ImageJimgConverted(Bus bus) throws Exception {
        Path raw = dir.resolve("disk.raw");
        DiskImages.ext4(raw, DISK_SIZE, Map.of("/hello.txt", HELLO));
        Path qcow2 = dir.resolve("disk.qcow2");
        Jimg.run("convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()).assertSuccess();

        List<String> args = new ArrayList<>(List.of("-M", "virt", "-m", "256M", "-nographic", "-no-reboot",
                "-bios", "default", "-icount", "shift=auto,sleep=off",
                "-kernel", guest.kernel().toString(), "-initrd", guest.initramfs().toString(),
                "-append", "console=ttyS0 panic=-1 jimg.test=readwrite jimg.dev=" + bus.node
                        + " jimg.write=/written.bin jimg.size=1M jimg.seed=5",
                "-drive", "if=none,id=disk0,format=qcow2,file=" + qcow2));
        args.addAll(bus.devices);
        RunResult run = Machines.runOurs(args, TIMEOUT, new ImageOpener(Formats.registry(), w -> { }));
        GuestReport report = GuestReport.parse(run.output());
        assertFalse(run.timedOut(), () -> "the guest did not power off in " + TIMEOUT + ":\n" + run.output());
        assertTrue(report.ok(), () -> "init did not report OK:\n" + run.output());
        assertEquals(0, run.status(), run::output);

        byte[] expected = GuestPattern.bytes(5, 0, 1 << 20);
        assertEquals(GuestPattern.crc32(HELLO), report.value("read.crc32"));
        assertEquals(GuestPattern.crc32(expected), report.value("readback.crc32"));
        Jimg.run("check", qcow2.toString()).assertSuccess();
        ExternalTool.Result check = ExternalTool.run(dir, "qemu-img", "check", qcow2.toString()).assertSuccess();
        assertTrue(check.stdout().contains("No errors were found on the image."), check.stdout());
        Path back = dir.resolve("back.raw");
        ExternalTool.run(dir, "qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), back.toString())
                .assertSuccess();
        assertArrayEquals(expected, DiskImages.readExt4File(back, "/written.bin"));
    }
}
