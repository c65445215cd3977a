package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.ImageOpener;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.emulator.guest.DiskBus;
import dev.jimg.emulator.guest.DiskImages;
import dev.jimg.emulator.guest.GuestPattern;
import dev.jimg.emulator.guest.GuestReport;
import dev.jimg.emulator.testutil.LinuxGuest;
import dev.jimg.formats.Formats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The storage matrix: an ext4 disk in each source format, made by {@code jimg convert}, booted by
 * Linux's own drivers through each bus the emulator offers. Init reads and checksums a file,
 * writes another, syncs and reads it back after a remount, and powers off; then {@code jimg check}
 * and {@code qemu-img check} find the image clean and the host reads the new file's exact bytes
 * (qemu-img's raw conversion, then {@code debugfs}). A stress run (parallel writers on different
 * regions, read back and compared) through each bus counts guest-visible errors: zero, also
 * through QEMU's short form {@code if=usb}.
 */
@Tag("interop")
class StorageMatrixGuestTest {
    private static final long DISK_SIZE = 64L << 20;
    private static final byte[] HELLO = "hello from a converted image\n".getBytes(StandardCharsets.US_ASCII);
    /** Skips the USB storage driver's one-second settle delay; harmless for the other buses. */
    private static final String KERNEL_ARGS = "usb_storage.delay_use=0 ";

    /**
     * The source formats and the {@code jimg convert} options that make them. A streamOptimized
     * VMDK cannot be written once made (in QEMU neither), so it is converted once more, by jimg, to
     * qcow2, and that image is booted.
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

    @TempDir
    Path dir;

    static Stream<Arguments> everyFormatOnEveryBus() {
        return Arrays.stream(Format.values())
                .flatMap(f -> Arrays.stream(DiskBus.values()).map(b -> Arguments.of(f, b)));
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("everyFormatOnEveryBus")
    void linuxReadsAndWritesAConvertedExt4Disk(Format format, DiskBus bus) throws Exception {
        Path raw = dir.resolve("disk.raw");
        DiskImages.ext4(raw, DISK_SIZE, Map.of("/hello.txt", HELLO));
        Path image = raw;
        String bootFormat = format.name;
        if (format != Format.RAW) {
            image = dir.resolve("disk." + format.name);
            List<String> convert = new ArrayList<>(List.of("convert", "-f", "raw", "-O", format.name));
            convert.addAll(format.options);
            convert.addAll(List.of(raw.toString(), image.toString()));
            Jimg.run(convert.toArray(String[]::new)).assertSuccess();
        }
        if (format == Format.VMDK_STREAM_OPTIMIZED) {
            Path qcow2 = dir.resolve("from-stream.qcow2");
            Jimg.run("convert", "-f", "vmdk", "-O", "qcow2", image.toString(), qcow2.toString()).assertSuccess();
            image = qcow2;
            bootFormat = "qcow2";
        }

        GuestReport report = boot(bus, bootFormat, image, "jimg.test=readwrite jimg.dev=" + bus.guestDevice()
                + " jimg.write=/written.bin jimg.size=1M jimg.seed=5");

        byte[] expected = GuestPattern.bytes(5, 0, 1 << 20);
        assertEquals(GuestPattern.crc32(HELLO), report.value("read.crc32"));
        assertEquals(GuestPattern.crc32(expected), report.value("readback.crc32"));
        Path back = image;
        if (!bootFormat.equals("raw")) {
            Jimg.run("check", image.toString()).assertSuccess();
            ExternalTool.Result check = ExternalTool.run(dir, "qemu-img", "check", image.toString()).assertSuccess();
            assertTrue(check.stdout().contains("No errors were found on the image."), check.stdout());
            back = dir.resolve("back.raw");
            ExternalTool.run(dir, "qemu-img", "convert", "-f", bootFormat, "-O", "raw", image.toString(),
                    back.toString()).assertSuccess();
        }
        assertArrayEquals(expected, DiskImages.readExt4File(back, "/written.bin"));
    }

    @ParameterizedTest
    @EnumSource(DiskBus.class)
    void parallelWritersThroughEachBusSeeNoErrors(DiskBus bus) throws Exception {
        Path raw = dir.resolve("stress.raw");
        DiskImages.ext4(raw, DISK_SIZE, Map.of());
        Path qcow2 = dir.resolve("stress.qcow2");
        Jimg.run("convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()).assertSuccess();

        GuestReport report = boot(bus, "qcow2", qcow2,
                "jimg.test=stress jimg.dev=" + bus.guestDevice() + " jimg.procs=4 jimg.region=4M jimg.rounds=2");

        assertEquals(4, report.longValue("stress.procs"));
        assertEquals(0, report.longValue("stress.mismatched_sectors"));
        assertEquals(0, report.longValue("stress.io_errors"));
        Jimg.run("check", qcow2.toString()).assertSuccess();
    }

    /**
     * QEMU's short form for a USB stick, {@code -drive file=…,if=usb}, makes the controller and the
     * stick the {@code -device} options above make: the same stress run sees no errors.
     */
    @Test
    void parallelWritersSeeNoErrorsThroughTheUsbShortForm() throws Exception {
        Path raw = dir.resolve("stress.raw");
        DiskImages.ext4(raw, DISK_SIZE, Map.of());

        GuestReport report = boot("jimg.test=stress jimg.dev=/dev/sda jimg.procs=4 jimg.region=4M jimg.rounds=2",
                List.of("-drive", "file=" + raw + ",format=raw,if=usb"));

        assertEquals(4, report.longValue("stress.procs"));
        assertEquals(0, report.longValue("stress.mismatched_sectors"));
        assertEquals(0, report.longValue("stress.io_errors"));
    }

    private GuestReport boot(DiskBus bus, String format, Path image, String append) throws Exception {
        List<String> drive = new ArrayList<>(List.of("-drive", "if=none,id=disk0,format=" + format + ",file=" + image));
        drive.addAll(bus.devices());
        return boot(append, drive);
    }

    /** Boots the test guest on jimg's emulator, drives opened by every format driver, and requires a clean run. */
    private GuestReport boot(String append, List<String> drive) throws Exception {
        return LinuxGuest.boot(KERNEL_ARGS + append, drive, new ImageOpener(Formats.registry(), w -> { }));
    }
}
