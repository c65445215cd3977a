package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Op.*;

import dev.jimg.emulator.fpu.F32;
import dev.jimg.emulator.fpu.F64;
import dev.jimg.emulator.fpu.FloatFlags;

/**
 * Floating-point instructions other than loads and stores (F and D extensions, Unprivileged ISA
 * chapters 11 and 12), computed bit-exactly by {@link F32} and {@link F64}. What is left here is
 * the ISA around the arithmetic:
 * <ul>
 *   <li>{@code mstatus.FS = Off} makes every FP instruction illegal; writing an FP register or
 *       changing {@code fflags} makes FS Dirty.</li>
 *   <li>The dynamic rounding mode comes from {@code frm}; a reserved {@code frm} (5 to 7) makes
 *       the instruction illegal (reserved static modes were rejected by the decoder).</li>
 *   <li>NaN boxing: single-precision operands whose upper 32 bits are not all ones read as the
 *       canonical NaN; single-precision results are written with the upper bits set.</li>
 *   <li>FMSUB, FNMSUB and FNMADD are FMADD with operand signs flipped; 32-bit integer results are
 *       sign-extended.</li>
 * </ul>
 * Runs inside the interpreter's loop: it reads and writes registers but never {@code pc}.
 */
final class FpUnit {
    static final long BOX = 0xffff_ffff_0000_0000L;
    private static final int SIGN_S = 0x8000_0000;
    private static final long SIGN_D = Long.MIN_VALUE;
    private static final int RM_DYNAMIC = 7;
    private static final int RM_LAST_VALID = 4;

    private final Hart h;
    private SystemUnit sys;

    FpUnit(Hart h) {
        this.h = h;
    }

    void attach(SystemUnit unit) {
        this.sys = unit;
    }

    /** The single-precision operand in {@code f[r]}: its low half if boxed, else the canonical NaN. */
    private int s(int r) {
        long v = h.f[r];
        return (v & BOX) == BOX ? (int) v : F32.CANONICAL_NAN;
    }

    /** Executes the FP op {@code w} at {@code pc}; throws the illegal-instruction trap if it may not run. */
    void execute(long w, long pc) {
        if (!h.fpEnabled()) {
            throw sys.illegalAt(pc);
        }
        int op = Op.op(w);
        int rd = Op.rd(w);
        int a = Op.rs1(w);
        int b = Op.rs2(w);
        int c = Op.rs3(w);
        int rm = Op.imm(w) & 7;
        if (rm == RM_DYNAMIC) {
            rm = h.frm;
        }
        if (rm > RM_LAST_VALID && usesRoundingMode(op)) {
            throw sys.illegalAt(pc);
        }
        long[] f = h.f;
        long[] x = h.x;
        FloatFlags flags = h.fpFlags;
        int before = flags.bits;
        switch (op) {
            case FADD_S -> setS(rd, F32.add(s(a), s(b), rm, flags));
            case FSUB_S -> setS(rd, F32.sub(s(a), s(b), rm, flags));
            case FMUL_S -> setS(rd, F32.mul(s(a), s(b), rm, flags));
            case FDIV_S -> setS(rd, F32.div(s(a), s(b), rm, flags));
            case FSQRT_S -> setS(rd, F32.sqrt(s(a), rm, flags));
            case FMADD_S -> setS(rd, F32.mulAdd(s(a), s(b), s(c), rm, flags));
            case FMSUB_S -> setS(rd, F32.mulAdd(s(a), s(b), s(c) ^ SIGN_S, rm, flags));
            case FNMSUB_S -> setS(rd, F32.mulAdd(s(a) ^ SIGN_S, s(b), s(c), rm, flags));
            case FNMADD_S -> setS(rd, F32.mulAdd(s(a) ^ SIGN_S, s(b), s(c) ^ SIGN_S, rm, flags));
            case FSGNJ_S -> setS(rd, (s(a) & ~SIGN_S) | (s(b) & SIGN_S));
            case FSGNJN_S -> setS(rd, (s(a) & ~SIGN_S) | (~s(b) & SIGN_S));
            case FSGNJX_S -> setS(rd, s(a) ^ (s(b) & SIGN_S));
            case FMIN_S -> setS(rd, F32.min(s(a), s(b), flags));
            case FMAX_S -> setS(rd, F32.max(s(a), s(b), flags));
            case FEQ_S -> x[rd] = F32.eq(s(a), s(b), flags) ? 1 : 0;
            case FLT_S -> x[rd] = F32.lt(s(a), s(b), flags) ? 1 : 0;
            case FLE_S -> x[rd] = F32.le(s(a), s(b), flags) ? 1 : 0;
            case FCLASS_S -> x[rd] = F32.classify(s(a));
            case FCVT_W_S -> x[rd] = F32.toInt32(s(a), rm, flags);
            case FCVT_WU_S -> x[rd] = F32.toUInt32(s(a), rm, flags);
            case FCVT_L_S -> x[rd] = F32.toInt64(s(a), rm, flags);
            case FCVT_LU_S -> x[rd] = F32.toUInt64(s(a), rm, flags);
            case FCVT_S_W -> setS(rd, F32.fromInt32((int) x[a], rm, flags));
            case FCVT_S_WU -> setS(rd, F32.fromUInt32((int) x[a], rm, flags));
            case FCVT_S_L -> setS(rd, F32.fromInt64(x[a], rm, flags));
            case FCVT_S_LU -> setS(rd, F32.fromUInt64(x[a], rm, flags));
            case FMV_X_W -> x[rd] = (int) f[a];
            case FMV_W_X -> setS(rd, (int) x[a]);
            case FADD_D -> setD(rd, F64.add(f[a], f[b], rm, flags));
            case FSUB_D -> setD(rd, F64.sub(f[a], f[b], rm, flags));
            case FMUL_D -> setD(rd, F64.mul(f[a], f[b], rm, flags));
            case FDIV_D -> setD(rd, F64.div(f[a], f[b], rm, flags));
            case FSQRT_D -> setD(rd, F64.sqrt(f[a], rm, flags));
            case FMADD_D -> setD(rd, F64.mulAdd(f[a], f[b], f[c], rm, flags));
            case FMSUB_D -> setD(rd, F64.mulAdd(f[a], f[b], f[c] ^ SIGN_D, rm, flags));
            case FNMSUB_D -> setD(rd, F64.mulAdd(f[a] ^ SIGN_D, f[b], f[c], rm, flags));
            case FNMADD_D -> setD(rd, F64.mulAdd(f[a] ^ SIGN_D, f[b], f[c] ^ SIGN_D, rm, flags));
            case FSGNJ_D -> setD(rd, (f[a] & ~SIGN_D) | (f[b] & SIGN_D));
            case FSGNJN_D -> setD(rd, (f[a] & ~SIGN_D) | (~f[b] & SIGN_D));
            case FSGNJX_D -> setD(rd, f[a] ^ (f[b] & SIGN_D));
            case FMIN_D -> setD(rd, F64.min(f[a], f[b], flags));
            case FMAX_D -> setD(rd, F64.max(f[a], f[b], flags));
            case FEQ_D -> x[rd] = F64.eq(f[a], f[b], flags) ? 1 : 0;
            case FLT_D -> x[rd] = F64.lt(f[a], f[b], flags) ? 1 : 0;
            case FLE_D -> x[rd] = F64.le(f[a], f[b], flags) ? 1 : 0;
            case FCLASS_D -> x[rd] = F64.classify(f[a]);
            case FCVT_W_D -> x[rd] = F64.toInt32(f[a], rm, flags);
            case FCVT_WU_D -> x[rd] = F64.toUInt32(f[a], rm, flags);
            case FCVT_L_D -> x[rd] = F64.toInt64(f[a], rm, flags);
            case FCVT_LU_D -> x[rd] = F64.toUInt64(f[a], rm, flags);
            case FCVT_D_W -> setD(rd, F64.fromInt32((int) x[a], rm, flags));
            case FCVT_D_WU -> setD(rd, F64.fromUInt32((int) x[a], rm, flags));
            case FCVT_D_L -> setD(rd, F64.fromInt64(x[a], rm, flags));
            case FCVT_D_LU -> setD(rd, F64.fromUInt64(x[a], rm, flags));
            case FMV_X_D -> x[rd] = f[a];
            case FMV_D_X -> setD(rd, x[a]);
            case FCVT_S_D -> setS(rd, F64.toF32(f[a], rm, flags));
            case FCVT_D_S -> setD(rd, F32.toF64(s(a), flags));
            default -> throw new IllegalStateException("op " + op + " is not a floating-point operation");
        }
        if (flags.bits != before) {
            h.markFpDirty();
        }
    }

    /** Whether the instruction has an rm field that must hold a valid mode when it runs. */
    private static boolean usesRoundingMode(int op) {
        return switch (op) {
            case FSGNJ_S, FSGNJN_S, FSGNJX_S, FMIN_S, FMAX_S, FEQ_S, FLT_S, FLE_S, FCLASS_S, FMV_X_W, FMV_W_X,
                    FSGNJ_D, FSGNJN_D, FSGNJX_D, FMIN_D, FMAX_D, FEQ_D, FLT_D, FLE_D, FCLASS_D, FMV_X_D, FMV_D_X -> false;
            default -> true;
        };
    }

    private void setS(int rd, int bits) {
        h.f[rd] = BOX | (bits & 0xffff_ffffL);
        h.markFpDirty();
    }

    private void setD(int rd, long bits) {
        h.f[rd] = bits;
        h.markFpDirty();
    }
}
