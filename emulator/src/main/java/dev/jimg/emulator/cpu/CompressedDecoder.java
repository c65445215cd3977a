package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Op.*;

/**
 * Expands 16-bit RV64C instructions (Unprivileged ISA, chapter 16 "C" Standard Extension, table
 * "RVC opcode map") into the same {@link Op} words as their 32-bit equivalents, with length 2.
 * Reserved encodings are illegal; HINT encodings execute as the ordinary instruction, which for
 * them has no architectural effect.
 */
final class CompressedDecoder {
    private static final int SP = 2;
    private static final int RA = 1;

    private CompressedDecoder() {
    }

    static long decode(int c) {
        return switch (c & 3) {
            case 0 -> quadrant0(c);
            case 1 -> quadrant1(c);
            case 2 -> quadrant2(c);
            default -> throw new IllegalArgumentException("not a compressed instruction: " + Integer.toHexString(c));
        };
    }

    private static long illegal(int c) {
        return Decoder.illegal(c, 2);
    }

    /** The registers x8..x15 named by 3-bit fields. */
    private static int r(int c, int shift) {
        return 8 + ((c >>> shift) & 7);
    }

    private static int bit(int c, int from, int to) {
        return ((c >>> from) & 1) << to;
    }

    private static int bits(int c, int from, int count, int to) {
        return ((c >>> from) & ((1 << count) - 1)) << to;
    }

    /** The 6-bit signed immediate imm[5] = c[12], imm[4:0] = c[6:2]. */
    private static int imm6(int c) {
        int v = bit(c, 12, 5) | bits(c, 2, 5, 0);
        return (v << 26) >> 26;
    }

    private static long quadrant0(int c) {
        int f3 = (c >>> 13) & 7;
        int rdp = r(c, 2);
        int rs1p = r(c, 7);
        int uimmD = bits(c, 10, 3, 3) | bits(c, 5, 2, 6);
        int uimmW = bits(c, 10, 3, 3) | bit(c, 6, 2) | bit(c, 5, 6);
        return switch (f3) {
            case 0 -> {
                int nzuimm = bits(c, 11, 2, 4) | bits(c, 7, 4, 6) | bit(c, 6, 2) | bit(c, 5, 3);
                yield nzuimm == 0 ? illegal(c) : Op.make(ADDI, rdp, SP, 0, 2, nzuimm);
            }
            case 1 -> Op.make(FLD, rdp, rs1p, 0, 2, uimmD);
            case 2 -> Op.make(LW, rdp, rs1p, 0, 2, uimmW);
            case 3 -> Op.make(LD, rdp, rs1p, 0, 2, uimmD);
            case 5 -> Op.make(FSD, 0, rs1p, rdp, 2, uimmD);
            case 6 -> Op.make(SW, 0, rs1p, rdp, 2, uimmW);
            case 7 -> Op.make(SD, 0, rs1p, rdp, 2, uimmD);
            default -> illegal(c);
        };
    }

    private static long quadrant1(int c) {
        int f3 = (c >>> 13) & 7;
        int rd = (c >>> 7) & 31;
        int rdp = r(c, 7);
        int rs2p = r(c, 2);
        return switch (f3) {
            case 0 -> Op.make(ADDI, xd(rd), rd, 0, 2, imm6(c));
            case 1 -> rd == 0 ? illegal(c) : Op.make(ADDIW, rd, rd, 0, 2, imm6(c));
            case 2 -> Op.make(ADDI, xd(rd), 0, 0, 2, imm6(c));
            case 3 -> {
                if (rd == SP) {
                    int v = bit(c, 12, 9) | bit(c, 6, 4) | bit(c, 5, 6) | bits(c, 3, 2, 7) | bit(c, 2, 5);
                    int imm = (v << 22) >> 22;
                    yield imm == 0 ? illegal(c) : Op.make(ADDI, SP, SP, 0, 2, imm);
                }
                int imm = imm6(c) << 12;
                yield imm == 0 ? illegal(c) : Op.make(LUI, xd(rd), 0, 0, 2, imm);
            }
            case 4 -> arithmetic(c, rdp, rs2p);
            case 5 -> Op.make(JAL, DISCARD, 0, 0, 2, immCJ(c));
            case 6 -> Op.make(BEQ, 0, rdp, 0, 2, immCB(c));
            default -> Op.make(BNE, 0, rdp, 0, 2, immCB(c));
        };
    }

    private static long arithmetic(int c, int rdp, int rs2p) {
        int shamt = bit(c, 12, 5) | bits(c, 2, 5, 0);
        return switch ((c >>> 10) & 3) {
            case 0 -> Op.make(SRLI, rdp, rdp, 0, 2, shamt);
            case 1 -> Op.make(SRAI, rdp, rdp, 0, 2, shamt);
            case 2 -> Op.make(ANDI, rdp, rdp, 0, 2, imm6(c));
            default -> {
                int f = (c >>> 5) & 3;
                if ((c & 0x1000) == 0) {
                    int op = switch (f) {
                        case 0 -> SUB;
                        case 1 -> XOR;
                        case 2 -> OR;
                        default -> AND;
                    };
                    yield Op.make(op, rdp, rdp, rs2p, 2, 0);
                }
                yield switch (f) {
                    case 0 -> Op.make(SUBW, rdp, rdp, rs2p, 2, 0);
                    case 1 -> Op.make(ADDW, rdp, rdp, rs2p, 2, 0);
                    default -> illegal(c);
                };
            }
        };
    }

    private static int immCJ(int c) {
        int v = bit(c, 12, 11) | bit(c, 11, 4) | bits(c, 9, 2, 8) | bit(c, 8, 10) | bit(c, 7, 6) | bit(c, 6, 7)
                | bits(c, 3, 3, 1) | bit(c, 2, 5);
        return (v << 20) >> 20;
    }

    private static int immCB(int c) {
        int v = bit(c, 12, 8) | bits(c, 10, 2, 3) | bits(c, 5, 2, 6) | bits(c, 3, 2, 1) | bit(c, 2, 5);
        return (v << 23) >> 23;
    }

    private static long quadrant2(int c) {
        int f3 = (c >>> 13) & 7;
        int rd = (c >>> 7) & 31;
        int rs2 = (c >>> 2) & 31;
        int spD = bit(c, 12, 5) | bits(c, 5, 2, 3) | bits(c, 2, 3, 6);
        int spW = bit(c, 12, 5) | bits(c, 4, 3, 2) | bits(c, 2, 2, 6);
        int sspD = bits(c, 10, 3, 3) | bits(c, 7, 3, 6);
        int sspW = bits(c, 9, 4, 2) | bits(c, 7, 2, 6);
        return switch (f3) {
            case 0 -> Op.make(SLLI, xd(rd), rd, 0, 2, bit(c, 12, 5) | bits(c, 2, 5, 0));
            case 1 -> Op.make(FLD, rd, SP, 0, 2, spD);
            case 2 -> rd == 0 ? illegal(c) : Op.make(LW, rd, SP, 0, 2, spW);
            case 3 -> rd == 0 ? illegal(c) : Op.make(LD, rd, SP, 0, 2, spD);
            case 4 -> {
                if ((c & 0x1000) == 0) {
                    if (rs2 == 0) {
                        yield rd == 0 ? illegal(c) : Op.make(JALR, DISCARD, rd, 0, 2, 0);
                    }
                    yield Op.make(ADD, xd(rd), 0, rs2, 2, 0);
                }
                if (rs2 == 0) {
                    yield rd == 0 ? Op.make(EBREAK, 0, 0, 0, 2, 0) : Op.make(JALR, RA, rd, 0, 2, 0);
                }
                yield Op.make(ADD, xd(rd), rd, rs2, 2, 0);
            }
            case 5 -> Op.make(FSD, 0, SP, rs2, 2, sspD);
            case 6 -> Op.make(SW, 0, SP, rs2, 2, sspW);
            default -> Op.make(SD, 0, SP, rs2, 2, sspD);
        };
    }
}
