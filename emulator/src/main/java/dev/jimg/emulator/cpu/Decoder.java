package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Op.*;

/**
 * Decodes 32-bit RV64IMAFD + Zicsr + Zifencei instructions into {@link Op} words. Encodings follow
 * the RISC-V Unprivileged ISA, chapter "RV32/64G Instruction Set Listings", and the privileged
 * instructions of the Privileged ISA 1.12. Reserved encodings decode to {@link Op#ILLEGAL} with the
 * instruction bits as immediate (they become {@code mtval}).
 */
final class Decoder {
    /** Rounding-mode field values 5 and 6 are reserved; 7 is "dynamic" (use frm). */
    private static final int RM_RESERVED_5 = 5;
    private static final int RM_RESERVED_6 = 6;

    private Decoder() {
    }

    static long illegal(int insn, int length) {
        return Op.make(ILLEGAL, 0, 0, 0, length, insn);
    }

    static long decode(int insn) {
        int rd = (insn >>> 7) & 31;
        int rs1 = (insn >>> 15) & 31;
        int rs2 = (insn >>> 20) & 31;
        int f3 = (insn >>> 12) & 7;
        int f7 = insn >>> 25;
        int immI = insn >> 20;
        return switch (insn & 0x7f) {
            case 0x37 -> Op.make(LUI, xd(rd), 0, 0, 4, insn & 0xffff_f000);
            case 0x17 -> Op.make(AUIPC, xd(rd), 0, 0, 4, insn & 0xffff_f000);
            case 0x6f -> Op.make(JAL, xd(rd), 0, 0, 4, immJ(insn));
            case 0x67 -> f3 == 0 ? Op.make(JALR, xd(rd), rs1, 0, 4, immI) : illegal(insn, 4);
            case 0x63 -> branch(insn, f3, rs1, rs2);
            case 0x03 -> load(insn, f3, rd, rs1, immI);
            case 0x23 -> store(insn, f3, rs1, rs2);
            case 0x13 -> opImm(insn, f3, rd, rs1, immI);
            case 0x1b -> opImm32(insn, f3, rd, rs1, immI);
            case 0x33 -> op(insn, f3, f7, rd, rs1, rs2);
            case 0x3b -> op32(insn, f3, f7, rd, rs1, rs2);
            case 0x0f -> switch (f3) {
                case 0 -> Op.make(FENCE, 0, 0, 0, 4, 0);
                case 1 -> Op.make(FENCE_I, 0, 0, 0, 4, 0);
                default -> illegal(insn, 4);
            };
            case 0x73 -> system(insn, f3, rd, rs1);
            case 0x2f -> atomic(insn, f3, rd, rs1, rs2);
            case 0x07 -> switch (f3) {
                case 2 -> Op.make(FLW, rd, rs1, 0, 4, immI);
                case 3 -> Op.make(FLD, rd, rs1, 0, 4, immI);
                default -> illegal(insn, 4);
            };
            case 0x27 -> switch (f3) {
                case 2 -> Op.make(FSW, 0, rs1, rs2, 4, immS(insn));
                case 3 -> Op.make(FSD, 0, rs1, rs2, 4, immS(insn));
                default -> illegal(insn, 4);
            };
            case 0x43, 0x47, 0x4b, 0x4f -> fused(insn, f3, rd, rs1, rs2);
            case 0x53 -> FpDecoder.decode(insn, f3, f7, rd, rs1, rs2);
            default -> illegal(insn, 4);
        };
    }

    static int immJ(int insn) {
        return (insn >> 31) << 20 | ((insn >>> 12) & 0xff) << 12 | ((insn >>> 20) & 1) << 11
                | ((insn >>> 21) & 0x3ff) << 1;
    }

    static int immB(int insn) {
        return (insn >> 31) << 12 | ((insn >>> 7) & 1) << 11 | ((insn >>> 25) & 0x3f) << 5 | ((insn >>> 8) & 0xf) << 1;
    }

    static int immS(int insn) {
        return (insn >> 25) << 5 | ((insn >>> 7) & 0x1f);
    }

    private static long branch(int insn, int f3, int rs1, int rs2) {
        int op = switch (f3) {
            case 0 -> BEQ;
            case 1 -> BNE;
            case 4 -> BLT;
            case 5 -> BGE;
            case 6 -> BLTU;
            case 7 -> BGEU;
            default -> 0;
        };
        return op == 0 ? illegal(insn, 4) : Op.make(op, 0, rs1, rs2, 4, immB(insn));
    }

    private static long load(int insn, int f3, int rd, int rs1, int imm) {
        int op = switch (f3) {
            case 0 -> LB;
            case 1 -> LH;
            case 2 -> LW;
            case 3 -> LD;
            case 4 -> LBU;
            case 5 -> LHU;
            case 6 -> LWU;
            default -> 0;
        };
        return op == 0 ? illegal(insn, 4) : Op.make(op, xd(rd), rs1, 0, 4, imm);
    }

    private static long store(int insn, int f3, int rs1, int rs2) {
        int op = switch (f3) {
            case 0 -> SB;
            case 1 -> SH;
            case 2 -> SW;
            case 3 -> SD;
            default -> 0;
        };
        return op == 0 ? illegal(insn, 4) : Op.make(op, 0, rs1, rs2, 4, immS(insn));
    }

    private static long opImm(int insn, int f3, int rd, int rs1, int imm) {
        int shamt = imm & 0x3f;
        int top6 = insn >>> 26;
        return switch (f3) {
            case 0 -> Op.make(ADDI, xd(rd), rs1, 0, 4, imm);
            case 2 -> Op.make(SLTI, xd(rd), rs1, 0, 4, imm);
            case 3 -> Op.make(SLTIU, xd(rd), rs1, 0, 4, imm);
            case 4 -> Op.make(XORI, xd(rd), rs1, 0, 4, imm);
            case 6 -> Op.make(ORI, xd(rd), rs1, 0, 4, imm);
            case 7 -> Op.make(ANDI, xd(rd), rs1, 0, 4, imm);
            case 1 -> top6 == 0 ? Op.make(SLLI, xd(rd), rs1, 0, 4, shamt) : illegal(insn, 4);
            case 5 -> top6 == 0 ? Op.make(SRLI, xd(rd), rs1, 0, 4, shamt)
                    : top6 == 0x10 ? Op.make(SRAI, xd(rd), rs1, 0, 4, shamt) : illegal(insn, 4);
            default -> illegal(insn, 4);
        };
    }

    private static long opImm32(int insn, int f3, int rd, int rs1, int imm) {
        int shamt = imm & 0x1f;
        int f7 = insn >>> 25;
        return switch (f3) {
            case 0 -> Op.make(ADDIW, xd(rd), rs1, 0, 4, imm);
            case 1 -> f7 == 0 ? Op.make(SLLIW, xd(rd), rs1, 0, 4, shamt) : illegal(insn, 4);
            case 5 -> f7 == 0 ? Op.make(SRLIW, xd(rd), rs1, 0, 4, shamt)
                    : f7 == 0x20 ? Op.make(SRAIW, xd(rd), rs1, 0, 4, shamt) : illegal(insn, 4);
            default -> illegal(insn, 4);
        };
    }

    private static long op(int insn, int f3, int f7, int rd, int rs1, int rs2) {
        int op = switch (f7) {
            case 0 -> switch (f3) {
                case 0 -> ADD;
                case 1 -> SLL;
                case 2 -> SLT;
                case 3 -> SLTU;
                case 4 -> XOR;
                case 5 -> SRL;
                case 6 -> OR;
                default -> AND;
            };
            case 0x20 -> f3 == 0 ? SUB : f3 == 5 ? SRA : 0;
            case 1 -> switch (f3) {
                case 0 -> MUL;
                case 1 -> MULH;
                case 2 -> MULHSU;
                case 3 -> MULHU;
                case 4 -> DIV;
                case 5 -> DIVU;
                case 6 -> REM;
                default -> REMU;
            };
            default -> 0;
        };
        return op == 0 ? illegal(insn, 4) : Op.make(op, xd(rd), rs1, rs2, 4, 0);
    }

    private static long op32(int insn, int f3, int f7, int rd, int rs1, int rs2) {
        int op = switch (f7) {
            case 0 -> f3 == 0 ? ADDW : f3 == 1 ? SLLW : f3 == 5 ? SRLW : 0;
            case 0x20 -> f3 == 0 ? SUBW : f3 == 5 ? SRAW : 0;
            case 1 -> switch (f3) {
                case 0 -> MULW;
                case 4 -> DIVW;
                case 5 -> DIVUW;
                case 6 -> REMW;
                case 7 -> REMUW;
                default -> 0;
            };
            default -> 0;
        };
        return op == 0 ? illegal(insn, 4) : Op.make(op, xd(rd), rs1, rs2, 4, 0);
    }

    private static long system(int insn, int f3, int rd, int rs1) {
        int csr = insn >>> 20;
        return switch (f3) {
            case 0 -> {
                if (insn == 0x0000_0073) {
                    yield Op.make(ECALL, 0, 0, 0, 4, 0);
                } else if (insn == 0x0010_0073) {
                    yield Op.make(EBREAK, 0, 0, 0, 4, 0);
                } else if (insn == 0x1020_0073) {
                    yield Op.make(SRET, 0, 0, 0, 4, insn);
                } else if (insn == 0x3020_0073) {
                    yield Op.make(MRET, 0, 0, 0, 4, insn);
                } else if (insn == 0x1050_0073) {
                    yield Op.make(WFI, 0, 0, 0, 4, insn);
                } else if ((insn & 0xfe00_7fff) == 0x1200_0073) {
                    yield Op.make(SFENCE_VMA, 0, rs1, (insn >>> 20) & 31, 4, insn);
                }
                yield illegal(insn, 4);
            }
            case 1 -> Op.make(CSRRW, rd, rs1, 0, 4, csr);
            case 2 -> Op.make(CSRRS, rd, rs1, 0, 4, csr);
            case 3 -> Op.make(CSRRC, rd, rs1, 0, 4, csr);
            case 5 -> Op.make(CSRRWI, rd, rs1, 0, 4, csr);
            case 6 -> Op.make(CSRRSI, rd, rs1, 0, 4, csr);
            case 7 -> Op.make(CSRRCI, rd, rs1, 0, 4, csr);
            default -> illegal(insn, 4);
        };
    }

    private static long atomic(int insn, int f3, int rd, int rs1, int rs2) {
        int funct5 = insn >>> 27;
        boolean word = f3 == 2;
        if (f3 != 2 && f3 != 3) {
            return illegal(insn, 4);
        }
        return switch (funct5) {
            case 0x02 -> rs2 == 0 ? Op.make(word ? LR_W : LR_D, xd(rd), rs1, 0, 4, 0) : illegal(insn, 4);
            case 0x03 -> Op.make(word ? SC_W : SC_D, xd(rd), rs1, rs2, 4, 0);
            case 0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c ->
                    Op.make(word ? AMO_W : AMO_D, xd(rd), rs1, rs2, 4, funct5);
            default -> illegal(insn, 4);
        };
    }

    private static long fused(int insn, int rm, int rd, int rs1, int rs2) {
        int fmt = (insn >>> 25) & 3;
        if (fmt > 1 || rm == RM_RESERVED_5 || rm == RM_RESERVED_6) {
            return illegal(insn, 4);
        }
        boolean d = fmt == 1;
        int op = switch (insn & 0x7f) {
            case 0x43 -> d ? FMADD_D : FMADD_S;
            case 0x47 -> d ? FMSUB_D : FMSUB_S;
            case 0x4b -> d ? FNMSUB_D : FNMSUB_S;
            default -> d ? FNMADD_D : FNMADD_S;
        };
        return Op.make(op, rd, rs1, rs2, insn >>> 27, 4, rm);
    }

    /** Whether {@code rm} is a reserved static rounding mode (the instruction is then illegal). */
    static boolean reservedRm(int rm) {
        return rm == RM_RESERVED_5 || rm == RM_RESERVED_6;
    }
}
