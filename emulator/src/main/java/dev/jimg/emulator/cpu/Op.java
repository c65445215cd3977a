package dev.jimg.emulator.cpu;

/**
 * Decoded instructions ("op words"): what the decoders produce and the interpreter executes.
 *
 * <p>An op word is a {@code long}. Its low 32 bits hold the operation and its operands, its high
 * 32 bits the sign-extended immediate (for CSR instructions the CSR number, for floating-point ones
 * the rounding mode, for AMOs the funct5, for an illegal instruction its raw bits):
 * <pre>
 *   bits  0..7   operation (the constants below; 0 = not yet decoded)
 *   bits  8..13  rd: 0..31, or {@link #DISCARD} for an integer destination x0
 *   bits 14..18  rs1
 *   bits 19..23  rs2
 *   bits 24..26  instruction length in bytes (2 or 4)
 *   bits 27..31  rs3 (fused multiply-add)
 * </pre>
 * Writes to x0 go to a 33rd register slot that nothing reads, so the interpreter needs no test for
 * x0 on the hot path. CSR instructions keep rd 0 as 0, since it changes their meaning.
 */
final class Op {
    /** The register slot writes to x0 are sent to. */
    static final int DISCARD = 32;

    // Numbered by how often the Linux test guest executes them on its way to init (with the
    // shift and XOR of tight integer loops moved up): C1 compiles the interpreter's switch into a
    // chain of comparisons, so the common operations come first. Renumbering the original
    // listing order this way took a tight loop from about 155 to about 210 MIPS.
    static final int ADDI = 1;
    static final int SD = 2;
    static final int LD = 3;
    static final int ADD = 4;
    static final int LBU = 5;
    static final int JAL = 6;
    static final int BNE = 7;
    static final int OR = 8;
    static final int BEQ = 9;
    static final int SLLIW = 10;
    static final int ADDIW = 11;
    static final int JALR = 12;
    static final int SLLI = 13;
    static final int XOR = 14;
    static final int BLTU = 15;
    static final int ANDI = 16;
    static final int AUIPC = 17;
    static final int LW = 18;
    static final int SRLI = 19;
    static final int SW = 20;
    static final int LUI = 21;
    static final int ADDW = 22;
    static final int BGEU = 23;
    static final int AND = 24;
    static final int BLT = 25;
    static final int SB = 26;
    static final int SUB = 27;
    static final int BGE = 28;
    static final int MUL = 29;
    static final int SLTU = 30;
    static final int SRLIW = 31;
    static final int LB = 32;
    static final int SRL = 33;
    static final int SUBW = 34;
    static final int LHU = 35;
    static final int LWU = 36;
    static final int XORI = 37;
    static final int SH = 38;
    static final int ORI = 39;
    static final int SLTIU = 40;
    static final int SRAIW = 41;
    static final int SLL = 42;
    static final int SLLW = 43;
    static final int SRAI = 44;
    static final int LH = 45;
    static final int MULW = 46;
    static final int SRLW = 47;
    static final int SLT = 48;
    static final int SRAW = 49;
    static final int SLTI = 50;
    static final int SRA = 51;
    static final int FLD = 52;
    static final int FSD = 53;
    static final int FLW = 54;
    static final int FSW = 55;
    static final int MULH = 56;
    static final int MULHSU = 57;
    static final int MULHU = 58;
    static final int DIV = 59;
    static final int DIVU = 60;
    static final int REM = 61;
    static final int REMU = 62;
    static final int DIVW = 63;
    static final int DIVUW = 64;
    static final int REMW = 65;
    static final int REMUW = 66;
    static final int ILLEGAL = 67;
    static final int FENCE = 68;
    static final int FENCE_I = 69;
    static final int ECALL = 70;
    static final int EBREAK = 71;
    static final int MRET = 72;
    static final int SRET = 73;
    static final int WFI = 74;
    static final int SFENCE_VMA = 75;
    static final int CSRRW = 76;
    static final int CSRRS = 77;
    static final int CSRRC = 78;
    static final int CSRRWI = 79;
    static final int CSRRSI = 80;
    static final int CSRRCI = 81;
    static final int LR_W = 82;
    static final int SC_W = 83;
    static final int AMO_W = 84;
    static final int LR_D = 85;
    static final int SC_D = 86;
    static final int AMO_D = 87;
    static final int FADD_S = 88;
    static final int FSUB_S = 89;
    static final int FMUL_S = 90;
    static final int FDIV_S = 91;
    static final int FSQRT_S = 92;
    static final int FSGNJ_S = 93;
    static final int FSGNJN_S = 94;
    static final int FSGNJX_S = 95;
    static final int FMIN_S = 96;
    static final int FMAX_S = 97;
    static final int FCVT_W_S = 98;
    static final int FCVT_WU_S = 99;
    static final int FCVT_L_S = 100;
    static final int FCVT_LU_S = 101;
    static final int FMV_X_W = 102;
    static final int FEQ_S = 103;
    static final int FLT_S = 104;
    static final int FLE_S = 105;
    static final int FCLASS_S = 106;
    static final int FCVT_S_W = 107;
    static final int FCVT_S_WU = 108;
    static final int FCVT_S_L = 109;
    static final int FCVT_S_LU = 110;
    static final int FMV_W_X = 111;
    static final int FMADD_S = 112;
    static final int FMSUB_S = 113;
    static final int FNMSUB_S = 114;
    static final int FNMADD_S = 115;
    static final int FADD_D = 116;
    static final int FSUB_D = 117;
    static final int FMUL_D = 118;
    static final int FDIV_D = 119;
    static final int FSQRT_D = 120;
    static final int FSGNJ_D = 121;
    static final int FSGNJN_D = 122;
    static final int FSGNJX_D = 123;
    static final int FMIN_D = 124;
    static final int FMAX_D = 125;
    static final int FCVT_W_D = 126;
    static final int FCVT_WU_D = 127;
    static final int FCVT_L_D = 128;
    static final int FCVT_LU_D = 129;
    static final int FMV_X_D = 130;
    static final int FEQ_D = 131;
    static final int FLT_D = 132;
    static final int FLE_D = 133;
    static final int FCLASS_D = 134;
    static final int FCVT_D_W = 135;
    static final int FCVT_D_WU = 136;
    static final int FCVT_D_L = 137;
    static final int FCVT_D_LU = 138;
    static final int FMV_D_X = 139;
    static final int FMADD_D = 140;
    static final int FMSUB_D = 141;
    static final int FNMSUB_D = 142;
    static final int FNMADD_D = 143;
    static final int FCVT_S_D = 144;
    static final int FCVT_D_S = 145;

    /** The first operation that the system/atomic executor handles. */
    static final int FIRST_SYSTEM = FENCE;
    /** The first floating-point operation other than loads and stores. */
    static final int FIRST_FP = FADD_S;
    static final int COUNT = 146;

    private Op() {
    }

    static long make(int op, int rd, int rs1, int rs2, int length, int imm) {
        return (op | rd << 8 | rs1 << 14 | rs2 << 19 | length << 24) & 0xffff_ffffL | (long) imm << 32;
    }

    static long make(int op, int rd, int rs1, int rs2, int rs3, int length, int imm) {
        return make(op, rd, rs1, rs2, length, imm) | (long) rs3 << 27;
    }

    /** rd as an integer destination: x0 becomes {@link #DISCARD}. */
    static int xd(int rd) {
        return rd == 0 ? DISCARD : rd;
    }

    static int op(long w) {
        return (int) w & 0xff;
    }

    static int rd(long w) {
        return (int) (w >>> 8) & 0x3f;
    }

    static int rs1(long w) {
        return (int) (w >>> 14) & 0x1f;
    }

    static int rs2(long w) {
        return (int) (w >>> 19) & 0x1f;
    }

    static int length(long w) {
        return (int) (w >>> 24) & 0x7;
    }

    static int rs3(long w) {
        return (int) (w >>> 27) & 0x1f;
    }

    static int imm(long w) {
        return (int) (w >>> 32);
    }
}
