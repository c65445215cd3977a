package dev.jimg.emulator.cpu;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The self-checking bare-metal programs under {@code src/test/resources/dev/jimg/emulator/isa},
 * one per instruction class, assembled now and run with {@code -bios none}: each CHECK compares a
 * result with the value the ISA specifies and fails the run with its number.
 */
class IsaProgramsTest {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"alu", "branches", "muldiv", "memory", "atomics", "compressed", "csr", "traps", "mmu",
        "interrupts", "pmp", "fp", "seip"})
    void programPassesItsChecks(String program) throws Exception {
        Path elf = Toolchain.build(dir, program, Toolchain.resource(program + ".S"));
        RunResult r = Machines.runOurs(elf, TIMEOUT);
        assertFalse(r.timedOut(), () -> program + " did not finish:\n" + r.output());
        assertEquals(0, r.status(), () -> program + " failed check " + r.status() + ":\n" + r.output());
    }

    @Test
    void illegalCsrAccessesTrapWithTheInstructionBitsInMtval() throws Exception {
        Path elf = Toolchain.build(dir, "csr", Toolchain.resource("csr.S"));
        RunResult r = Machines.runOurs(elf, TIMEOUT);
        // csrr t1, 0x7c0 (no such CSR); csrw mvendorid (read-only); csrw cycle; csrr fflags with FS off.
        assertEquals("""
                trap
                0000000000000002
                000000007c002373
                trap
                0000000000000002
                00000000f1101073
                trap
                0000000000000002
                00000000c0001073
                trap
                0000000000000002
                0000000000102373
                """, r.output().substring(0, r.output().indexOf("misa=")));
    }

    @Test
    void misalignedAmoRaisesStoreAddressMisaligned() throws Exception {
        Path elf = Toolchain.build(dir, "amo", """
                .include "macros.S"
                .text
                .globl main
                main:
                  la t0, cell
                  addi t0, t0, 4
                  li t1, 1
                  amoadd.d t2, t1, (t0)
                  ret
                .data
                .align 4
                cell: .space 16
                """);
        RunResult r = Machines.runOurs(elf, TIMEOUT);
        assertTrue(r.output().startsWith("trap\n0000000000000006\n"), r.output());
        assertEquals(0, r.status());
    }

    @Test
    void satpWriteWithUnsupportedModeLeavesSatpUnchanged() throws Exception {
        Path elf = Toolchain.build(dir, "satp", """
                .include "macros.S"
                .text
                .globl main
                main:
                  li t0, (8 << 60) | 0x80000
                  csrw satp, t0
                  li t1, (10 << 60) | 0x80001
                  csrw satp, t1
                  csrr t2, satp
                  sub t2, t2, t0
                  CHECK t2, 0
                  li t1, (9 << 60) | 0x80002
                  csrw satp, t1
                  csrr t2, satp
                  sub t2, t2, t1
                  CHECK t2, 0
                  csrw satp, zero
                  ret
                """);
        RunResult r = Machines.runOurs(elf, TIMEOUT);
        assertEquals(0, r.status(), r.output());
    }
}
