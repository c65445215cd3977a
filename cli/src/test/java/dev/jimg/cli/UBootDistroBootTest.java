package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.ImageOpener;
import dev.jimg.emulator.guest.DiskBus;
import dev.jimg.emulator.guest.DiskImages;
import dev.jimg.emulator.guest.GuestImage;
import dev.jimg.emulator.guest.GuestReport;
import dev.jimg.emulator.testutil.Machines;
import dev.jimg.emulator.testutil.RunResult;
import dev.jimg.emulator.testutil.UBootConsole;
import dev.jimg.formats.Formats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * Debian's U-Boot boots Linux the way a distribution image is booted: a GPT-partitioned disk whose
 * ext4 partition holds {@code /extlinux/extlinux.conf}, the kernel and the initramfs, converted
 * to qcow2 by {@code jimg convert}; U-Boot's distro boot finds it over each bus it has a driver
 * for, loads both files and starts the kernel, whose init powers off.
 */
@Tag("interop")
class UBootDistroBootTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final Path UBOOT = UBootConsole.UBOOT;

    private static GuestImage guest;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildGuest() throws IOException {
        guest = GuestImage.build();
    }

    @ParameterizedTest
    @EnumSource(value = DiskBus.class, names = {"VIRTIO_MMIO", "VIRTIO_PCI", "AHCI"})
    void distroBootStartsLinuxFromAConvertedGptImage(DiskBus bus) throws Exception {
        assertTrue(Files.exists(UBOOT), "Debian's u-boot-qemu package provides " + UBOOT);
        String extlinux = """
                default linux
                timeout 1
                label linux
                    kernel /boot/Image
                    initrd /boot/initramfs.cpio
                    append console=ttyS0 panic=-1 jimg.test=hello
                """;
        Path fs = dir.resolve("root.ext4");
        DiskImages.ext4(fs, 48L << 20, Map.of(
                "/extlinux/extlinux.conf", extlinux.getBytes(StandardCharsets.US_ASCII),
                "/boot/Image", Files.readAllBytes(guest.kernel()),
                "/boot/initramfs.cpio", Files.readAllBytes(guest.initramfs())));
        Path raw = dir.resolve("disk.raw");
        DiskImages.gpt(raw, 64L << 20, fs);
        Path qcow2 = dir.resolve("disk.qcow2");
        Jimg.run("convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()).assertSuccess();

        List<String> args = new ArrayList<>(List.of("-M", "virt", "-m", "256M", "-nographic", "-no-reboot",
                "-bios", "default", "-kernel", UBOOT.toString(), "-icount", "shift=auto,sleep=off",
                "-drive", "if=none,id=disk0,format=qcow2,file=" + qcow2));
        args.addAll(bus.devices());
        RunResult run = Machines.runOurs(args, TIMEOUT, new ImageOpener(Formats.registry(), w -> { }));
        assertFalse(run.timedOut(), () -> "no power-off within " + TIMEOUT + ":\n" + run.output());
        assertTrue(run.output().contains("extlinux/extlinux.conf"), run::output);
        GuestReport report = GuestReport.parse(run.output());
        assertTrue(report.ok(), () -> "Linux's init did not report OK:\n" + run.output());
        assertEquals(0, run.status(), run::output);
        Jimg.run("check", qcow2.toString()).assertSuccess();
    }
}
