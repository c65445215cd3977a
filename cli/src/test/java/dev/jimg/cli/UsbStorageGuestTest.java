package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.ImageOpener;
import dev.jimg.emulator.guest.DiskImages;
import dev.jimg.emulator.guest.GuestImage;
import dev.jimg.emulator.guest.GuestReport;
import dev.jimg.emulator.testutil.Machines;
import dev.jimg.emulator.testutil.RunResult;
import dev.jimg.formats.Formats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QEMU's short form for a USB stick, {@code -drive file=…,if=usb}, makes an xHCI controller and a
 * usb-storage device the way {@code -device qemu-xhci -device usb-storage} does: Linux's real xHCI,
 * usb-storage and sd drivers find the disk and a stress run (parallel writers on different regions)
 * sees no errors. The {@code -device} form in every source format is in {@link StorageMatrixGuestTest}.
 */
@Tag("interop")
class UsbStorageGuestTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final long DISK_SIZE = 64L << 20;
    private static final String KERNEL_ARGS = "console=ttyS0 panic=-1 usb_storage.delay_use=0 jimg.dev=/dev/sda ";

    private static GuestImage guest;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildGuest() throws IOException {
        guest = GuestImage.build();
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
