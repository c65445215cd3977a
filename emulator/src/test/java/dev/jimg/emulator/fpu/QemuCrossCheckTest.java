package dev.jimg.emulator.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs a sample of every F/D operation on QEMU's RISC-V CPU (its softfloat, configured for
 * RISC-V) and compares result bits and {@code fflags} with {@link F32}/{@link F64}.
 *
 * <p>The test writes a bare-metal RV64 program: for each test vector it sets {@code frm}, loads
 * the operands, clears {@code fflags}, executes the instruction with the dynamic rounding mode,
 * and prints the result and the flags in hex on the virt machine's UART; the SiFive test device
 * ends the run. Needs riscv64-linux-gnu-as/ld (binutils-riscv64-linux-gnu) and
 * qemu-system-riscv64 (qemu-system-misc).
 */
@Tag("interop")
class QemuCrossCheckTest {
    /** Operand tuples per instruction (each run in every rounding mode); -Dfpu.scale multiplies it. */
    private static final int VECTORS_PER_OPERATION = 400 * Differential.SCALE;
    private static final long QEMU_TIMEOUT_SECONDS = 180;
    private static final int S = 0x8000_0000;
    private static final long D = Long.MIN_VALUE;
    /** Bytes per vector: rounding mode, then three 64-bit operands. */
    private static final int RECORD = 32;

    /** How operands are drawn, loaded and how the result is read back. */
    private enum Kind { F32, F64, INTEGER }

    interface Model {
        long apply(long a, long b, long c, int rm, FloatFlags f);
    }

    /** One instruction under test. */
    private record Op(String name, String instruction, Kind operands, int arity, Kind result, boolean rounds,
            String generator, Model model) {}

    private static List<Op> operations() {
        List<Op> ops = new ArrayList<>();
        for (Kind k : new Kind[] {Kind.F32, Kind.F64}) {
            boolean s = k == Kind.F32;
            String x = s ? "s" : "d";
            ops.add(new Op("fadd." + x, "fadd." + x + " ft3, ft0, ft1", k, 2, k, true, "add",
                    (a, b, c, rm, f) -> s ? F32.add((int) a, (int) b, rm, f) : F64.add(a, b, rm, f)));
            ops.add(new Op("fsub." + x, "fsub." + x + " ft3, ft0, ft1", k, 2, k, true, "add",
                    (a, b, c, rm, f) -> s ? F32.sub((int) a, (int) b, rm, f) : F64.sub(a, b, rm, f)));
            ops.add(new Op("fmul." + x, "fmul." + x + " ft3, ft0, ft1", k, 2, k, true, "mul",
                    (a, b, c, rm, f) -> s ? F32.mul((int) a, (int) b, rm, f) : F64.mul(a, b, rm, f)));
            ops.add(new Op("fdiv." + x, "fdiv." + x + " ft3, ft0, ft1", k, 2, k, true, "div",
                    (a, b, c, rm, f) -> s ? F32.div((int) a, (int) b, rm, f) : F64.div(a, b, rm, f)));
            ops.add(new Op("fsqrt." + x, "fsqrt." + x + " ft3, ft0", k, 1, k, true, "any",
                    (a, b, c, rm, f) -> s ? F32.sqrt((int) a, rm, f) : F64.sqrt(a, rm, f)));
            ops.add(new Op("fmadd." + x, "fmadd." + x + " ft3, ft0, ft1, ft2", k, 3, k, true, "fma",
                    (a, b, c, rm, f) -> s ? F32.mulAdd((int) a, (int) b, (int) c, rm, f) : F64.mulAdd(a, b, c, rm, f)));
            ops.add(new Op("fmsub." + x, "fmsub." + x + " ft3, ft0, ft1, ft2", k, 3, k, true, "fma",
                    (a, b, c, rm, f) -> s ? F32.mulAdd((int) a, (int) b, (int) c ^ S, rm, f)
                            : F64.mulAdd(a, b, c ^ D, rm, f)));
            ops.add(new Op("fnmsub." + x, "fnmsub." + x + " ft3, ft0, ft1, ft2", k, 3, k, true, "fma",
                    (a, b, c, rm, f) -> s ? F32.mulAdd((int) a ^ S, (int) b, (int) c, rm, f)
                            : F64.mulAdd(a ^ D, b, c, rm, f)));
            ops.add(new Op("fnmadd." + x, "fnmadd." + x + " ft3, ft0, ft1, ft2", k, 3, k, true, "fma",
                    (a, b, c, rm, f) -> s ? F32.mulAdd((int) a ^ S, (int) b, (int) c ^ S, rm, f)
                            : F64.mulAdd(a ^ D, b, c ^ D, rm, f)));
            ops.add(new Op("fmin." + x, "fmin." + x + " ft3, ft0, ft1", k, 2, k, false, "add",
                    (a, b, c, rm, f) -> s ? F32.min((int) a, (int) b, f) : F64.min(a, b, f)));
            ops.add(new Op("fmax." + x, "fmax." + x + " ft3, ft0, ft1", k, 2, k, false, "add",
                    (a, b, c, rm, f) -> s ? F32.max((int) a, (int) b, f) : F64.max(a, b, f)));
            ops.add(new Op("feq." + x, "feq." + x + " a0, ft0, ft1", k, 2, Kind.INTEGER, false, "add",
                    (a, b, c, rm, f) -> (s ? F32.eq((int) a, (int) b, f) : F64.eq(a, b, f)) ? 1 : 0));
            ops.add(new Op("flt." + x, "flt." + x + " a0, ft0, ft1", k, 2, Kind.INTEGER, false, "add",
                    (a, b, c, rm, f) -> (s ? F32.lt((int) a, (int) b, f) : F64.lt(a, b, f)) ? 1 : 0));
            ops.add(new Op("fle." + x, "fle." + x + " a0, ft0, ft1", k, 2, Kind.INTEGER, false, "add",
                    (a, b, c, rm, f) -> (s ? F32.le((int) a, (int) b, f) : F64.le(a, b, f)) ? 1 : 0));
            ops.add(new Op("fclass." + x, "fclass." + x + " a0, ft0", k, 1, Kind.INTEGER, false, "any",
                    (a, b, c, rm, f) -> s ? F32.classify((int) a) : F64.classify(a)));
            ops.add(new Op("fcvt.w." + x, "fcvt.w." + x + " a0, ft0", k, 1, Kind.INTEGER, true, "toint",
                    (a, b, c, rm, f) -> s ? F32.toInt32((int) a, rm, f) : F64.toInt32(a, rm, f)));
            ops.add(new Op("fcvt.wu." + x, "fcvt.wu." + x + " a0, ft0", k, 1, Kind.INTEGER, true, "toint",
                    (a, b, c, rm, f) -> s ? F32.toUInt32((int) a, rm, f) : F64.toUInt32(a, rm, f)));
            ops.add(new Op("fcvt.l." + x, "fcvt.l." + x + " a0, ft0", k, 1, Kind.INTEGER, true, "toint",
                    (a, b, c, rm, f) -> s ? F32.toInt64((int) a, rm, f) : F64.toInt64(a, rm, f)));
            ops.add(new Op("fcvt.lu." + x, "fcvt.lu." + x + " a0, ft0", k, 1, Kind.INTEGER, true, "toint",
                    (a, b, c, rm, f) -> s ? F32.toUInt64((int) a, rm, f) : F64.toUInt64(a, rm, f)));
            ops.add(new Op("fcvt." + x + ".w", "fcvt." + x + ".w ft3, t1", Kind.INTEGER, 1, k, true, "int",
                    (a, b, c, rm, f) -> s ? F32.fromInt32((int) a, rm, f) : F64.fromInt32((int) a, rm, f)));
            ops.add(new Op("fcvt." + x + ".wu", "fcvt." + x + ".wu ft3, t1", Kind.INTEGER, 1, k, true, "int",
                    (a, b, c, rm, f) -> s ? F32.fromUInt32((int) a, rm, f) : F64.fromUInt32((int) a, rm, f)));
            ops.add(new Op("fcvt." + x + ".l", "fcvt." + x + ".l ft3, t1", Kind.INTEGER, 1, k, true, "int",
                    (a, b, c, rm, f) -> s ? F32.fromInt64(a, rm, f) : F64.fromInt64(a, rm, f)));
            ops.add(new Op("fcvt." + x + ".lu", "fcvt." + x + ".lu ft3, t1", Kind.INTEGER, 1, k, true, "int",
                    (a, b, c, rm, f) -> s ? F32.fromUInt64(a, rm, f) : F64.fromUInt64(a, rm, f)));
        }
        ops.add(new Op("fcvt.d.s", "fcvt.d.s ft3, ft0", Kind.F32, 1, Kind.F64, false, "any",
                (a, b, c, rm, f) -> F32.toF64((int) a, f)));
        ops.add(new Op("fcvt.s.d", "fcvt.s.d ft3, ft0", Kind.F64, 1, Kind.F32, true, "any",
                (a, b, c, rm, f) -> F64.toF32(a, rm, f)));
        return ops;
    }

    private static long[] draw(Operands g, String generator) {
        long a = generator.equals("toint") ? g.forIntegerConversion() : generator.equals("int") ? g.integer() : g.any();
        long b = switch (generator) {
            case "add" -> g.addend(a);
            case "mul", "fma" -> g.factor(a, false);
            case "div" -> g.factor(a, true);
            default -> 0;
        };
        long c = generator.equals("fma") ? g.fmaAddend(a, b) : 0;
        return new long[] {a, b, c};
    }

    @Test
    void everyOperationAgreesWithQemuBitForBitAndFlagForFlag(@TempDir Path dir) throws Exception {
        List<Op> ops = operations();
        StringBuilder code = new StringBuilder(PROLOGUE);
        StringBuilder data = new StringBuilder("    .data\n    .balign 8\n");
        List<long[]> expected = new ArrayList<>(); // {result, flags}
        List<String> labels = new ArrayList<>();
        for (int n = 0; n < ops.size(); n++) {
            Op op = ops.get(n);
            Operands g = new Operands(op.operands == Kind.F64 ? Format.B64 : Format.B32,
                    Differential.BASE_SEED ^ op.name.hashCode());
            data.append("v").append(n).append(":\n");
            for (int i = 0; i < VECTORS_PER_OPERATION; i++) {
                long[] x = draw(g, op.generator);
                for (int rm = 0; rm < (op.rounds ? 5 : 1); rm++) {
                    data.append("    .dword ").append(rm).append(", ").append(x[0]).append(", ").append(x[1])
                            .append(", ").append(x[2]).append('\n');
                    FloatFlags f = new FloatFlags();
                    // int-returning models widen with sign extension, as the guest's W results,
                    // fmv.x.w and comparisons are sign-extended into a0.
                    long r = op.model.apply(x[0], x[1], x[2], rm, f);
                    expected.add(new long[] {r, f.bits});
                    labels.add(op.name + "(" + hex(x, op.arity) + ") " + RoundingMode.name(rm));
                }
            }
            data.append("v").append(n).append("_end:\n");
            code.append(block(op, n));
        }
        code.append(EPILOGUE);
        Path source = dir.resolve("fpu.s");
        Files.writeString(source, code.toString() + data);
        run(dir, "riscv64-linux-gnu-as", "-march=rv64gc", "-o", "fpu.o", "fpu.s");
        run(dir, "riscv64-linux-gnu-ld", "-Ttext=0x80000000", "-o", "fpu.elf", "fpu.o");
        Path out = dir.resolve("uart.txt");
        Process qemu = new ProcessBuilder("qemu-system-riscv64", "-M", "virt", "-bios", "none", "-kernel", "fpu.elf",
                "-display", "none", "-monitor", "none", "-serial", "stdio")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!qemu.waitFor(QEMU_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            qemu.destroyForcibly();
            fail("qemu-system-riscv64 did not finish within " + QEMU_TIMEOUT_SECONDS + " s");
        }
        List<String> lines = Files.readAllLines(out).stream().filter(l -> l.matches("[0-9a-f]{16} [0-9a-f]{2}")).toList();
        assertEquals(expected.size(), lines.size(), "result lines printed by the guest");
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            long result = Long.parseUnsignedLong(lines.get(i).substring(0, 16), 16);
            int flags = Integer.parseInt(lines.get(i).substring(17), 16);
            if (result != expected.get(i)[0] || flags != expected.get(i)[1]) {
                mismatches.add(String.format("%s: qemu %016x flags %02x, ours %016x flags %02x", labels.get(i), result,
                        flags, expected.get(i)[0], expected.get(i)[1]));
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + lines.size() + " results differ from QEMU:\n  "
                + String.join("\n  ", mismatches.subList(0, Math.min(20, mismatches.size()))));
    }

    private static String hex(long[] x, int arity) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < arity; i++) {
            s.append(i == 0 ? "" : ", ").append(String.format("0x%x", x[i]));
        }
        return s.toString();
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + " failed:\n" + output);
    }

    /** Loop over the vectors of operation n: set frm, load operands, clear fflags, execute, print. */
    private static String block(Op op, int n) {
        StringBuilder s = new StringBuilder();
        s.append("    la s0, v").append(n).append("\n    la s1, v").append(n).append("_end\n");
        s.append("1:  bgeu s0, s1, 2f\n");
        s.append("    ld t0, 0(s0)\n    csrw frm, t0\n");
        String load = op.operands == Kind.F32 ? "flw" : "fld";
        if (op.operands == Kind.INTEGER) {
            s.append("    ld t1, 8(s0)\n");
        } else {
            s.append("    ").append(load).append(" ft0, 8(s0)\n    ").append(load).append(" ft1, 16(s0)\n    ")
                    .append(load).append(" ft2, 24(s0)\n");
        }
        s.append("    csrw fflags, zero\n    ").append(op.instruction).append('\n');
        if (op.result == Kind.F32) {
            s.append("    fmv.x.w a0, ft3\n");
        } else if (op.result == Kind.F64) {
            s.append("    fmv.x.d a0, ft3\n");
        }
        s.append("    csrr a1, fflags\n    call print_result\n");
        s.append("    addi s0, s0, ").append(RECORD).append("\n    j 1b\n2:\n");
        return s.toString();
    }

    private static final String PROLOGUE = """
                .text
                .globl _start
            _start:
                li t0, 0x6000          # mstatus.FS = dirty: enable the FPU
                csrs mstatus, t0
                li s2, 0x10000000      # UART transmit register
            """;

    private static final String EPILOGUE = """
                li t0, 0x100000        # SiFive test device: pass
                li t1, 0x5555
                sw t1, 0(t0)
            3:  j 3b

            # print a0 as 16 hex digits, a space, a1 as 2 hex digits, a newline
            print_result:
                mv t2, ra
                li a2, 60
                call print_hex
                li t4, 32
                sb t4, 0(s2)
                mv a0, a1
                li a2, 4
                call print_hex
                li t4, 10
                sb t4, 0(s2)
                mv ra, t2
                ret
            print_hex:                 # a0 value, a2 shift of the first digit
                srl t4, a0, a2
                andi t4, t4, 15
                addi t5, t4, 48
                li t6, 10
                blt t4, t6, 4f
                addi t5, t4, 87
            4:  sb t5, 0(s2)
                addi a2, a2, -4
                bgez a2, print_hex
                ret
            """;
}
