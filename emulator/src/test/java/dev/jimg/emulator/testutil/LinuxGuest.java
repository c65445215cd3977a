package dev.jimg.emulator.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.ImageOpener;
import dev.jimg.emulator.guest.GuestImage;
import dev.jimg.emulator.guest.GuestReport;
import dev.jimg.emulator.guest.QemuGuest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Boots the Linux test guest ({@link GuestImage}) on this emulator with the command line
 * {@link QemuGuest} gives QEMU, and requires a clean run: the guest powered off in time, init
 * reported OK, the emulator exited with 0 and printed no warning.
 */
public final class LinuxGuest {
    /** A boot plus one disk test; bounds a guest that hangs on a busy machine. */
    public static final Duration TIMEOUT = Duration.ofMinutes(4);
    /**
     * Guest timer waits (AHCI link debounce, USB settle) cost no wall time, as with QEMU's option
     * of the same name.
     */
    private static final List<String> SKIP_IDLE_TIME = List.of("-icount", "shift=auto,sleep=off");
    /** What the emulator prefixes its warnings with (a driver protocol error, a failed request). */
    private static final String WARNING = "jimg: warning";

    private LinuxGuest() {
    }

    /** Boots with raw drives only (the test raw driver opens them). */
    public static GuestReport boot(String parameters, List<String> options) throws Exception {
        return boot(parameters, options, TestRawDriver.opener());
    }

    /**
     * Boots with {@code parameters} on the kernel command line and {@code options} (drives and
     * devices) on the emulator's, opening drives with {@code opener}; returns what init reported.
     */
    public static GuestReport boot(String parameters, List<String> options, ImageOpener opener) throws Exception {
        List<String> args = new ArrayList<>(GuestImage.build().bootOptions(parameters));
        args.addAll(SKIP_IDLE_TIME);
        args.addAll(options);
        RunResult run = Machines.runOurs(args, TIMEOUT, opener);
        GuestReport report = GuestReport.parse(run.output());
        assertFalse(run.timedOut(), () -> "the guest did not power off in " + TIMEOUT + ":\n" + run.output());
        assertTrue(report.ok(), () -> "init did not report OK:\n" + run.output());
        assertEquals(0, run.status(), run::output);
        assertFalse(run.output().contains(WARNING), run::output);
        return report;
    }
}
