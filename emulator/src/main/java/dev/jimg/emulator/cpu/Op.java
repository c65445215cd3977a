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

    static final int ILLEGAL = 1;
    static final int LUI = 2;
    static final int AUIPC = 3;
    static final int JAL = 4;
    static final int JALR = 5;
    static final int BEQ = 6;
    static final int BNE = 7;
    static final int BLT = 8;
    static final int BGE = 9;
    static final int BLTU = 10;
    static final int BGEU = 11;
    static final int LB = 12;
    static final int LH = 13;
    static final int LW = 14;
    static final int LD = 15;
    static final int LBU = 16;
    static final int LHU = 17;
    static final int LWU = 18;
    static final int SB = 19;
    static final int SH = 20;
    static final int SW = 21;
    static final int SD = 22;
    static final int ADDI = 23;
    static final int SLTI = 24;
    static final int SLTIU = 25;
    static final int XORI = 26;
    static final int ORI = 27;
    static final int ANDI = 28;
    static final int SLLI = 29;
    static final int SRLI = 30;
    static final int SRAI = 31;
    static final int ADD = 32;
    static final int SUB = 33;
    static final int SLL = 34;
    static final int SLT = 35;
    static final int SLTU = 36;
    static final int XOR = 37;
    static final int SRL = 38;
    static final int SRA = 39;
    static final int OR = 40;
    static final int AND = 41;
    static final int ADDIW = 42;
    static final int SLLIW = 43;
    static final int SRLIW = 44;
    static final int SRAIW = 45;
    static final int ADDW = 46;
    static final int SUBW = 47;
    static final int SLLW = 48;
    static final int SRLW = 49;
    static final int SRAW = 50;
    static final int MUL = 51;
    static final int MULH = 52;
    static final int MULHSU = 53;
    static final int MULHU = 54;
    static final int DIV = 55;
    static final int DIVU = 56;
    static final int REM = 57;
    static final int REMU = 58;
    static final int MULW = 59;
    static final int DIVW = 60;
    static final int DIVUW = 61;
    static final int REMW = 62;
    static final int REMUW = 63;
    static final int FLD = 64;
    static final int FSD = 65;
    static final int FLW = 66;
    static final int FSW = 67;
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
