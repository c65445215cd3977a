package dev.jimg.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.testutil.Machines;
import dev.jimg.emulator.testutil.RunResult;
import dev.jimg.emulator.testutil.Toolchain;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest that sleeps 30 seconds on the machine timer with WFI: with
 * {@code -icount shift=auto,sleep=off} virtual time jumps to the deadline and the run takes no
 * wall time; the guest still sees the 30 seconds pass on mtime.
 */
class TimeSkipTest {
    private static final String SLEEPER = """
            .include "macros.S"
            .text
            .globl main
            main:
              addi sp, sp, -16
              sd ra, 0(sp)
              li s0, CLINT_MTIME
              ld s1, 0(s0)
              li t0, 300000000            # 30 s at 10 MHz
              add s2, s1, t0
              li t1, CLINT_MTIMECMP
              sd s2, 0(t1)
              li t0, 1 << 7
              csrs mie, t0
            1: wfi
              ld t2, 0(s0)
              bltu t2, s2, 1b
              sub t2, t2, s1
              DUMP slept, t2
              ld ra, 0(sp)
              addi sp, sp, 16
              ret
            """;

    @TempDir
    Path dir;

    @Test
    void idleTimeIsSkippedAndStillSeenByTheGuest() throws Exception {
        Path elf = Toolchain.build(dir, "sleeper", SLEEPER);
        long start = System.nanoTime();
        RunResult r = Machines.runOurs(elf, Duration.ofSeconds(25), "-icount", "shift=auto,sleep=off");
        long wall = (System.nanoTime() - start) / 1_000_000;
        assertFalse(r.timedOut(), r.output());
        assertEquals(0, r.status(), r.output());
        long slept = Long.parseUnsignedLong(r.output().substring(r.output().indexOf("slept=") + 6).trim(), 16);
        assertTrue(slept >= 300_000_000L, "the guest saw " + slept + " ticks");
        assertTrue(wall < 20_000, "30 guest seconds took " + wall + " ms");
    }
}
