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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Linux's real xHCI, usb-storage and sd drivers on a USB stick of this emulator: a disk image
 * converted by {@code jimg convert} (or left raw), attached as QEMU spells it
 * ({@code -device qemu-xhci -device usb-storage,drive=…}), passes init's {@code readwrite} test on
 * {@code /dev/sda}; afterwards {@code jimg check} and {@code qemu-img check} find the image clean and
 * the host reads the new file's exact bytes with {@code debugfs}. A {@code stress} run through the
 * short form {@code -drive …,if=usb} sees no errors. {@code usb_storage.delay_use=0} skips the
 * driver's one-second settle delay; enumeration itself takes about half a second of guest time,
 * which time skipping makes cheap.
 */
@Tag("interop")
class UsbStorageGuestTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final long DISK_SIZE = 64L << 20;
    private static final byte[] HELLO = "hello over USB\n".getBytes(StandardCharsets.US_ASCII);
    private static final String KERNEL_ARGS = "console=ttyS0 panic=-1 usb_storage.delay_use=0 jimg.dev=/dev/sda ";

    /**
     * The image formats the stick is tried with, with the {@code jimg convert} options that make them.
     * A streamOptimized VMDK cannot be written once made (in QEMU neither), so that one is converted
     * by jimg once more, to qcow2, and the qcow2 image is booted.
     */
    enum Format {
        RAW("raw"),
        QCOW2("qcow2"),
        VDI("vdi"),
        VMDK_SPARSE("vmdk"),
        VMDK_STREAM_OPTIMIZED("vmdk", "-o", "subformat=streamOptimized");

        final String name;
        final List<String> options;

        Format(String name, String... options) {
            this.name = name;
            this.options = List.of(options);
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
    @EnumSource(Format.class)
    void linuxReadsAndWritesAnExt4StickInEachFormat(Format format) throws Exception {
        Path raw = dir.resolve("disk.raw");
        DiskImages.ext4(raw, DISK_SIZE, Map.of("/hello.txt", HELLO));
        Path image = raw;
        if (format != Format.RAW) {
            image = dir.resolve("disk." + format.name);
            List<String> convert = new ArrayList<>(List.of("convert", "-f", "raw", "-O", format.name));
            convert.addAll(format.options);
            convert.addAll(List.of(raw.toString(), image.toString()));
            Jimg.run(convert.toArray(String[]::new)).assertSuccess();
        }
        String bootFormat = format.name;
        if (format == Format.VMDK_STREAM_OPTIMIZED) {
            Path qcow2 = dir.resolve("from-stream.qcow2");
            Jimg.run("convert", "-f", "vmdk", "-O", "qcow2", image.toString(), qcow2.toString()).assertSuccess();
            image = qcow2;
            bootFormat = "qcow2";
        }

        GuestReport report = boot(KERNEL_ARGS + "jimg.test=readwrite jimg.write=/written.bin jimg.size=1M jimg.seed=11",
                "-drive", "if=none,id=disk0,format=" + bootFormat + ",file=" + image,
                "-device", "qemu-xhci,id=xhci0", "-device", "usb-storage,drive=disk0,bus=xhci0.0");

        byte[] expected = GuestPattern.bytes(11, 0, 1 << 20);
        assertEquals(GuestPattern.crc32(HELLO), report.value("read.crc32"));
        assertEquals(GuestPattern.crc32(expected), report.value("readback.crc32"));
        Path back = image;
        if (format != Format.RAW) {
            Jimg.run("check", image.toString()).assertSuccess();
            ExternalTool.Result check = ExternalTool.run(dir, "qemu-img", "check", image.toString()).assertSuccess();
            assertTrue(check.stdout().contains("No errors were found on the image."), check.stdout());
            back = dir.resolve("back.raw");
            ExternalTool.run(dir, "qemu-img", "convert", "-f", bootFormat, "-O", "raw", image.toString(),
                    back.toString()).assertSuccess();
        }
        assertArrayEquals(expected, DiskImages.readExt4File(back, "/written.bin"));
    }

    @Test
    void parallelWritersSeeNoErrorsThroughTheShortForm() throws Exception {
        Path raw = dir.resolve("stress.raw");
        DiskImages.ext4(raw, DISK_SIZE, Map.of());
        GuestReport report = boot(KERNEL_ARGS + "jimg.test=stress jimg.procs=4 jimg.region=4M jimg.rounds=2",
                "-drive", "file=" + raw + ",format=raw,if=usb");
        assertEquals(4, report.longValue("stress.procs"));
        assertEquals(0, report.longValue("stress.mismatched_sectors"));
        assertEquals(0, report.longValue("stress.io_errors"));
    }

    private GuestReport boot(String append, String... drive) throws Exception {
        List<String> args = new ArrayList<>(List.of("-M", "virt", "-m", "256M", "-nographic", "-no-reboot",
                "-bios", "default", "-icount", "shift=auto,sleep=off",
                "-kernel", guest.kernel().toString(), "-initrd", guest.initramfs().toString(), "-append", append));
        args.addAll(List.of(drive));
        RunResult run = Machines.runOurs(args, TIMEOUT, new ImageOpener(Formats.registry(), w -> { }));
        GuestReport report = GuestReport.parse(run.output());
        assertFalse(run.timedOut(), () -> "the guest did not power off in " + TIMEOUT + ":\n" + run.output());
        assertTrue(report.ok(), () -> "init did not report OK:\n" + run.output());
        assertEquals(0, run.status(), run::output);
        assertFalse(run.output().contains("jimg: warning"), run::output);
        return report;
    }
}
