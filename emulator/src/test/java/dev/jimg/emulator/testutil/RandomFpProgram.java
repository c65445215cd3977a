package dev.jimg.emulator.testutil;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Random F/D programs for differential testing: the 32 FP registers start with values chosen to
 * hit special cases (zeros, infinities, quiet and signalling NaNs, subnormals, the largest and
 * smallest normals, integers at conversion limits, improperly boxed singles), then a random mix of
 * every computational F and D instruction runs with random static rounding modes or the dynamic
 * one under a randomly set {@code frm}. The program prints all FP registers, the integer
 * registers conversions and compares wrote, and {@code fcsr}.
 */
public final class RandomFpProgram {
    private static final List<String> BINARY = List.of("fadd", "fsub", "fmul", "fdiv");
    private static final List<String> UNROUNDED = List.of("fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx");
    private static final List<String> FUSED = List.of("fmadd", "fmsub", "fnmsub", "fnmadd");
    private static final List<String> COMPARE = List.of("feq", "flt", "fle");
    private static final List<String> MODES = List.of("rne", "rtz", "rdn", "rup", "rmm", "dyn");
    private static final List<String> INT_TYPES = List.of("w", "wu", "l", "lu");
    /** Integer registers that receive results: t0..t6 minus t0 (scratch), a2..a7, s2..s9. */
    private static final int[] XREGS = {6, 7, 28, 29, 30, 31, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25};

    private static final long[] DOUBLES = {0, Long.MIN_VALUE, 0x7ff0000000000000L, 0xfff0000000000000L,
        0x7ff8000000000000L, 0x7ff4000000000000L, 0xfff8000000000001L, 0x0000000000000001L, 0x000fffffffffffffL,
        0x0010000000000000L, 0x7fefffffffffffffL, 0x3ff0000000000000L, 0xbff8000000000000L, 0x41dfffffffc00000L,
        0x43e0000000000000L, 0xc3e0000000000001L, 0x3fb999999999999aL, 0x4330000000000001L};
    private static final int[] SINGLES = {0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00000, 0xffc00001,
        0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0x3f800000, 0xbfc00000, 0x4f000000, 0x5f000000, 0xdf000001,
        0x3dcccccd, 0x4b000001};

    private RandomFpProgram() {
    }

    public static String generate(long seed, int instructions) {
        SplittableRandom rnd = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder();
        s.append("# Random floating-point program, seed ").append(seed).append('\n');
        s.append(".include \"macros.S\"\n.text\n.globl main\nmain:\n");
        s.append("  addi sp, sp, -16\n  sd ra, 0(sp)\n  li t0, 0x2000\n  csrs mstatus, t0\n  csrw fcsr, zero\n");
        for (int r : XREGS) {
            s.append("  li x").append(r).append(", ").append(integer(rnd)).append('\n');
        }
        for (int f = 0; f < 32; f++) {
            s.append("  li t0, ").append(initial(rnd)).append("\n  fmv.d.x f").append(f).append(", t0\n");
        }
        for (int i = 0; i < instructions; i++) {
            s.append("  ").append(instruction(rnd)).append('\n');
        }
        s.append("  la s10, fregs\n");
        for (int f = 0; f < 32; f++) {
            s.append("  fsd f").append(f).append(", ").append(8 * f).append("(s10)\n");
        }
        for (int i = 0; i < XREGS.length; i++) {
            s.append("  sd x").append(XREGS[i]).append(", ").append(256 + 8 * i).append("(s10)\n");
        }
        s.append("  frcsr t0\n  sd t0, ").append(256 + 8 * XREGS.length).append("(s10)\n");
        s.append("""
                  li s9, 0
                1:
                  slli t0, s9, 3
                  add t0, t0, s10
                  ld a0, 0(t0)
                  call puthex
                  addi s9, s9, 1
                  li t0, %d
                  blt s9, t0, 1b
                  ld ra, 0(sp)
                  addi sp, sp, 16
                  ret
                .data
                .align 4
                fregs: .space %d
                """.formatted(32 + XREGS.length + 1, 8 * (32 + XREGS.length + 1)));
        return s.toString();
    }

    private static long initial(SplittableRandom rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> DOUBLES[rnd.nextInt(DOUBLES.length)];
            case 1, 2 -> 0xffff_ffff_0000_0000L | (SINGLES[rnd.nextInt(SINGLES.length)] & 0xffff_ffffL);
            case 3 -> 0xffff_ffff_0000_0000L | (rnd.nextInt() & 0xffff_ffffL);
            case 4 -> Double.doubleToRawLongBits((rnd.nextDouble() - 0.5) * Math.pow(2, rnd.nextInt(-80, 80)));
            default -> rnd.nextLong();
        };
    }

    private static long integer(SplittableRandom rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextInt(200) - 100;
            case 1 -> Long.MIN_VALUE + rnd.nextInt(3);
            case 2 -> Long.MAX_VALUE - rnd.nextInt(3);
            case 3 -> (1L << rnd.nextInt(64)) + rnd.nextInt(3) - 1;
            default -> rnd.nextLong();
        };
    }

    private static String f(SplittableRandom rnd) {
        return "f" + rnd.nextInt(32);
    }

    private static String x(SplittableRandom rnd) {
        return "x" + XREGS[rnd.nextInt(XREGS.length)];
    }

    private static String rm(SplittableRandom rnd) {
        return ", " + MODES.get(rnd.nextInt(MODES.size()));
    }

    private static String instruction(SplittableRandom rnd) {
        String p = rnd.nextBoolean() ? ".s" : ".d";
        return switch (rnd.nextInt(12)) {
            case 0, 1, 2 -> pick(rnd, BINARY) + p + " " + f(rnd) + ", " + f(rnd) + ", " + f(rnd) + rm(rnd);
            case 3 -> "fsqrt" + p + " " + f(rnd) + ", " + f(rnd) + rm(rnd);
            case 4 -> pick(rnd, UNROUNDED) + p + " " + f(rnd) + ", " + f(rnd) + ", " + f(rnd);
            case 5, 6 -> pick(rnd, FUSED) + p + " " + f(rnd) + ", " + f(rnd) + ", " + f(rnd) + ", " + f(rnd) + rm(rnd);
            case 7 -> pick(rnd, COMPARE) + p + " " + x(rnd) + ", " + f(rnd) + ", " + f(rnd);
            case 8 -> "fcvt." + pick(rnd, INT_TYPES) + p + " " + x(rnd) + ", " + f(rnd) + rm(rnd);
            case 9 -> {
                String type = pick(rnd, INT_TYPES);
                // Conversions of 32-bit integers to double are exact; the assembler takes no rm for them.
                boolean exact = p.equals(".d") && type.startsWith("w");
                yield "fcvt" + p + "." + type + " " + f(rnd) + ", " + x(rnd) + (exact ? "" : rm(rnd));
            }
            case 10 -> switch (rnd.nextInt(4)) {
                case 0 -> "fcvt.s.d " + f(rnd) + ", " + f(rnd) + rm(rnd);
                case 1 -> "fcvt.d.s " + f(rnd) + ", " + f(rnd);
                case 2 -> "fclass" + p + " " + x(rnd) + ", " + f(rnd);
                default -> (p.equals(".s") ? "fmv.x.w " : "fmv.x.d ") + x(rnd) + ", " + f(rnd);
            };
            default -> "fsrmi " + rnd.nextInt(5);
        };
    }

    private static String pick(SplittableRandom rnd, List<String> from) {
        return from.get(rnd.nextInt(from.size()));
    }
}
