package dev.jimg.emulator.testutil;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Random straight-line RV64IMAC programs for differential testing: registers start with random
 * values, a random mix of integer, multiply/divide, load/store (misaligned included) and atomic
 * instructions runs on them and on a scratch buffer, and the program prints every register and
 * the buffer. The same seed always gives the same program. The assembler picks compressed
 * encodings where they exist, so C instructions are exercised too.
 */
public final class RandomProgram {
    /** Registers the generator may use: all but ra, sp (the prelude's), s10 and s11 (addresses). */
    private static final int[] REGS = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
        24, 25, 28, 29, 30, 31};
    private static final List<String> R_TYPE = List.of("add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or",
            "and", "addw", "subw", "sllw", "srlw", "sraw", "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem",
            "remu", "mulw", "divw", "divuw", "remw", "remuw");
    private static final List<String> I_TYPE = List.of("addi", "slti", "sltiu", "xori", "ori", "andi", "addiw");
    private static final List<String> SHIFTS = List.of("slli", "srli", "srai");
    private static final List<String> SHIFTS_W = List.of("slliw", "srliw", "sraiw");
    private static final List<String> LOADS = List.of("lb", "lbu", "lh", "lhu", "lw", "lwu", "ld");
    private static final List<String> STORES = List.of("sb", "sh", "sw", "sd");
    private static final List<String> AMOS = List.of("amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin",
            "amomax", "amominu", "amomaxu");
    /** Bytes of scratch memory the loads and stores use. */
    static final int SCRATCH = 256;

    private RandomProgram() {
    }

    public static String generate(long seed, int instructions) {
        SplittableRandom rnd = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder();
        s.append("# Random program, seed ").append(seed).append('\n');
        s.append(".include \"macros.S\"\n.text\n.globl main\nmain:\n");
        s.append("  addi sp, sp, -16\n  sd ra, 0(sp)\n  la s11, scratch\n");
        for (int r : REGS) {
            s.append("  li x").append(r).append(", ").append(interesting(rnd)).append('\n');
        }
        for (int i = 0; i < instructions; i++) {
            s.append("  ").append(instruction(rnd)).append('\n');
        }
        s.append("  la s10, regs\n");
        for (int r : REGS) {
            s.append("  sd x").append(r).append(", ").append(8 * r).append("(s10)\n");
        }
        s.append("""
                  li s9, 0
                1:
                  slli t0, s9, 3
                  add t0, t0, s10
                  ld a0, 0(t0)
                  call puthex
                  addi s9, s9, 1
                  li t0, 32
                  blt s9, t0, 1b
                  li s9, 0
                2:
                  slli t0, s9, 3
                  add t0, t0, s11
                  ld a0, 0(t0)
                  call puthex
                  addi s9, s9, 1
                  li t0, %d
                  blt s9, t0, 2b
                  ld ra, 0(sp)
                  addi sp, sp, 16
                  ret
                .data
                .align 4
                regs: .space 256
                scratch:
                """.formatted(SCRATCH / 8));
        for (int i = 0; i < SCRATCH / 8; i++) {
            s.append("  .dword ").append(rnd.nextLong()).append('\n');
        }
        return s.toString();
    }

    /** Random values biased towards the edges where arithmetic goes wrong. */
    private static long interesting(SplittableRandom rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Long.MIN_VALUE;
            case 3 -> Long.MAX_VALUE;
            case 4 -> rnd.nextInt(64) - 32;
            case 5 -> Integer.MIN_VALUE + rnd.nextInt(4) - 2;
            case 6 -> 0xffff_ffffL + rnd.nextInt(4) - 2;
            default -> rnd.nextLong();
        };
    }

    private static String reg(SplittableRandom rnd) {
        return "x" + REGS[rnd.nextInt(REGS.length)];
    }

    private static String instruction(SplittableRandom rnd) {
        int kind = rnd.nextInt(20);
        if (kind < 8) {
            return pick(rnd, R_TYPE) + " " + reg(rnd) + ", " + reg(rnd) + ", " + reg(rnd);
        }
        if (kind < 11) {
            return pick(rnd, I_TYPE) + " " + reg(rnd) + ", " + reg(rnd) + ", " + (rnd.nextInt(4096) - 2048);
        }
        if (kind < 12) {
            return pick(rnd, SHIFTS) + " " + reg(rnd) + ", " + reg(rnd) + ", " + rnd.nextInt(64);
        }
        if (kind < 13) {
            return pick(rnd, SHIFTS_W) + " " + reg(rnd) + ", " + reg(rnd) + ", " + rnd.nextInt(32);
        }
        if (kind < 14) {
            return (rnd.nextBoolean() ? "lui " : "auipc ") + reg(rnd) + ", " + rnd.nextInt(1 << 20);
        }
        if (kind < 16) {
            return pick(rnd, LOADS) + " " + reg(rnd) + ", " + rnd.nextInt(SCRATCH - 8) + "(s11)";
        }
        if (kind < 18) {
            return pick(rnd, STORES) + " " + reg(rnd) + ", " + rnd.nextInt(SCRATCH - 8) + "(s11)";
        }
        boolean word = rnd.nextBoolean();
        int offset = word ? 4 * rnd.nextInt(SCRATCH / 4) : 8 * rnd.nextInt(SCRATCH / 8);
        return "addi s10, s11, " + offset + "\n  " + pick(rnd, AMOS) + (word ? ".w " : ".d ") + reg(rnd) + ", "
                + reg(rnd) + ", (s10)";
    }

    private static String pick(SplittableRandom rnd, List<String> from) {
        return from.get(rnd.nextInt(from.size()));
    }
}
