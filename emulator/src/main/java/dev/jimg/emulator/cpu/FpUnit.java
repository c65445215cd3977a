package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Op.*;

/**
 * Floating-point instructions other than loads and stores (F and D extensions). Values live in
 * {@code f} as raw bits; single-precision values are NaN-boxed (upper 32 bits all ones) and an
 * operand that is not properly boxed reads as the canonical NaN (Unprivileged ISA, section 12.2).
 */
final class FpUnit {
    static final long BOX = 0xffff_ffff_0000_0000L;
    static final int CANONICAL_NAN_S = 0x7fc0_0000;

    private final Hart h;
    private SystemUnit sys;

    FpUnit(Hart h) {
        this.h = h;
    }

    void attach(SystemUnit unit) {
        this.sys = unit;
    }

    /** The single-precision operand in {@code f[r]}: its low half if boxed, else the canonical NaN. */
    int unboxS(int r) {
        long v = h.f[r];
        return (v & BOX) == BOX ? (int) v : CANONICAL_NAN_S;
    }

    void execute(long w) {
        if (!h.fpEnabled()) {
            throw sys.illegalAt(h.pc);
        }
        int op = Op.op(w);
        int rd = Op.rd(w);
        int rs1 = Op.rs1(w);
        int rs2 = Op.rs2(w);
        long[] f = h.f;
        long[] x = h.x;
        switch (op) {
            case FMV_X_W -> x[rd] = (int) f[rs1];
            case FMV_X_D -> x[rd] = f[rs1];
            case FMV_W_X -> setS(rd, (int) x[rs1]);
            case FMV_D_X -> setD(rd, x[rs1]);
            case FSGNJ_S -> setS(rd, (unboxS(rs1) & 0x7fff_ffff) | (unboxS(rs2) & 0x8000_0000));
            case FSGNJN_S -> setS(rd, (unboxS(rs1) & 0x7fff_ffff) | (~unboxS(rs2) & 0x8000_0000));
            case FSGNJX_S -> setS(rd, unboxS(rs1) ^ (unboxS(rs2) & 0x8000_0000));
            case FSGNJ_D -> setD(rd, (f[rs1] & Long.MAX_VALUE) | (f[rs2] & Long.MIN_VALUE));
            case FSGNJN_D -> setD(rd, (f[rs1] & Long.MAX_VALUE) | (~f[rs2] & Long.MIN_VALUE));
            case FSGNJX_D -> setD(rd, f[rs1] ^ (f[rs2] & Long.MIN_VALUE));
            default -> throw new IllegalStateException("floating-point operation " + op + " is not implemented yet");
        }
        h.pc += Op.length(w);
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
