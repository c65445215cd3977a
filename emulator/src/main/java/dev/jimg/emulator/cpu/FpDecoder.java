package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Op.*;

/**
 * Decodes the OP-FP major opcode (0x53) of the F and D extensions (Unprivileged ISA, chapters 11
 * and 12). Floating-point destinations keep their register number; integer destinations (compares,
 * conversions to integer, moves to x, classify) get x0 redirected as every integer destination.
 * The rounding mode goes in the immediate; reserved static modes (5, 6) are illegal here, the
 * dynamic mode is checked against {@code frm} when the instruction runs.
 */
final class FpDecoder {
    private FpDecoder() {
    }

    static long decode(int insn, int rm, int f7, int rd, int rs1, int rs2) {
        boolean d = (f7 & 1) != 0;
        int op = switch (f7) {
            case 0x00, 0x01 -> rounded(rm, d ? FADD_D : FADD_S);
            case 0x04, 0x05 -> rounded(rm, d ? FSUB_D : FSUB_S);
            case 0x08, 0x09 -> rounded(rm, d ? FMUL_D : FMUL_S);
            case 0x0c, 0x0d -> rounded(rm, d ? FDIV_D : FDIV_S);
            case 0x2c, 0x2d -> rs2 == 0 ? rounded(rm, d ? FSQRT_D : FSQRT_S) : 0;
            case 0x10, 0x11 -> switch (rm) {
                case 0 -> d ? FSGNJ_D : FSGNJ_S;
                case 1 -> d ? FSGNJN_D : FSGNJN_S;
                case 2 -> d ? FSGNJX_D : FSGNJX_S;
                default -> 0;
            };
            case 0x14, 0x15 -> rm == 0 ? (d ? FMIN_D : FMIN_S) : rm == 1 ? (d ? FMAX_D : FMAX_S) : 0;
            case 0x20 -> rs2 == 1 ? rounded(rm, FCVT_S_D) : 0;
            case 0x21 -> rs2 == 0 ? rounded(rm, FCVT_D_S) : 0;
            case 0x50, 0x51 -> switch (rm) {
                case 0 -> d ? FLE_D : FLE_S;
                case 1 -> d ? FLT_D : FLT_S;
                case 2 -> d ? FEQ_D : FEQ_S;
                default -> 0;
            };
            case 0x60, 0x61 -> switch (rs2) {
                case 0 -> rounded(rm, d ? FCVT_W_D : FCVT_W_S);
                case 1 -> rounded(rm, d ? FCVT_WU_D : FCVT_WU_S);
                case 2 -> rounded(rm, d ? FCVT_L_D : FCVT_L_S);
                case 3 -> rounded(rm, d ? FCVT_LU_D : FCVT_LU_S);
                default -> 0;
            };
            case 0x68, 0x69 -> switch (rs2) {
                case 0 -> rounded(rm, d ? FCVT_D_W : FCVT_S_W);
                case 1 -> rounded(rm, d ? FCVT_D_WU : FCVT_S_WU);
                case 2 -> rounded(rm, d ? FCVT_D_L : FCVT_S_L);
                case 3 -> rounded(rm, d ? FCVT_D_LU : FCVT_S_LU);
                default -> 0;
            };
            case 0x70, 0x71 -> rs2 != 0 ? 0 : rm == 0 ? (d ? FMV_X_D : FMV_X_W) : rm == 1 ? (d ? FCLASS_D : FCLASS_S) : 0;
            case 0x78, 0x79 -> rs2 == 0 && rm == 0 ? (d ? FMV_D_X : FMV_W_X) : 0;
            default -> 0;
        };
        if (op == 0) {
            return Decoder.illegal(insn, 4);
        }
        int dest = writesInteger(op) ? xd(rd) : rd;
        return Op.make(op, dest, rs1, rs2, 4, rm);
    }

    private static int rounded(int rm, int op) {
        return Decoder.reservedRm(rm) ? 0 : op;
    }

    static boolean writesInteger(int op) {
        return switch (op) {
            case FCVT_W_S, FCVT_WU_S, FCVT_L_S, FCVT_LU_S, FMV_X_W, FEQ_S, FLT_S, FLE_S, FCLASS_S,
                    FCVT_W_D, FCVT_WU_D, FCVT_L_D, FCVT_LU_D, FMV_X_D, FEQ_D, FLT_D, FLE_D, FCLASS_D -> true;
            default -> false;
        };
    }
}
