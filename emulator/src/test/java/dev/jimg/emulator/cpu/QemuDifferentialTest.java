package dev.jimg.emulator.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jimg.emulator.testutil.Machines;
import dev.jimg.emulator.testutil.RandomFpProgram;
import dev.jimg.emulator.testutil.RandomProgram;
import dev.jimg.emulator.testutil.RunResult;
import dev.jimg.emulator.testutil.Toolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the same bare-metal programs on {@code qemu-system-riscv64 -M virt -bios none} and on this
 * emulator and requires identical console output and exit status: the ISA programs (whose trap
 * reports print mcause and mtval) and random instruction sequences (whose final registers and
 * memory are printed). A failing random case names its seed.
 */
@Tag("interop")
class QemuDifferentialTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /**
     * Random programs per run and instructions per program; {@code -Demulator.diff.programs=N} and
     * {@code -Demulator.diff.seed=S} run a longer or different sweep.
     */
    private static final int RANDOM_PROGRAMS = Integer.getInteger("emulator.diff.programs", 12);
    private static final int RANDOM_LENGTH = 400;
    private static final long BASE_SEED = Long.getLong("emulator.diff.seed", 0x5eed_0000L);

    @TempDir
    Path dir;

    /** Every ISA program except csr.S, whose expectations differ on QEMU's CPU with the H extension. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"alu", "branches", "muldiv", "memory", "atomics", "compressed", "traps", "mmu",
        "interrupts", "pmp", "fp"})
    void programBehavesAsOnQemu(String program) throws Exception {
        Path elf = Toolchain.build(dir, program, Toolchain.resource(program + ".S"));
        compare(program, elf);
    }

    static LongStream seeds() {
        return LongStream.range(0, RANDOM_PROGRAMS).map(i -> BASE_SEED + i);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomProgramBehavesAsOnQemu(long seed) throws Exception {
        Path elf = Toolchain.build(dir, "random", RandomProgram.generate(seed, RANDOM_LENGTH));
        compare("random program with seed " + seed, elf);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomFloatingPointProgramBehavesAsOnQemu(long seed) throws Exception {
        Path elf = Toolchain.build(dir, "randomfp", RandomFpProgram.generate(seed, RANDOM_LENGTH));
        compare("random floating-point program with seed " + seed, elf);
    }

    /** The first line where the outputs part, with the lines before it for context. */
    static String firstDifference(String expected, String actual) {
        String[] a = expected.split("\n", -1);
        String[] b = actual.split("\n", -1);
        int i = 0;
        while (i < a.length && i < b.length && a[i].equals(b[i])) {
            i++;
        }
        StringBuilder s = new StringBuilder();
        for (int k = Math.max(0, i - 6); k < i; k++) {
            s.append("    ").append(a[k]).append('\n');
        }
        s.append("line ").append(i + 1).append(": QEMU '").append(i < a.length ? escape(a[i]) : "<end>")
                .append("', here '").append(i < b.length ? escape(b[i]) : "<end>").append("'");
        return s.toString();
    }

    private static String escape(String line) {
        StringBuilder s = new StringBuilder();
        for (char c : line.toCharArray()) {
            if (c < 0x20 || c > 0x7e) {
                s.append(String.format("\\x%02x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }

    private static void compare(String what, Path elf) throws Exception {
        RunResult qemu = Machines.runQemu(elf, TIMEOUT);
        RunResult ours = Machines.runOurs(elf, TIMEOUT);
        assertFalse(qemu.timedOut(), () -> what + " did not finish on QEMU:\n" + qemu.output());
        assertFalse(ours.timedOut(), () -> what + " did not finish here:\n" + ours.output());
        if (!qemu.output().equals(ours.output())) {
            fail(what + ": console output differs from QEMU's\n" + firstDifference(qemu.output(), ours.output()));
        }
        assertEquals(qemu.status(), ours.status(), what + ": exit status differs from QEMU's");
    }
}
