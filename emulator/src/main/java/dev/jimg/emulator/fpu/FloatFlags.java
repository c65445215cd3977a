package dev.jimg.emulator.fpu;

/**
 * Accrued IEEE 754 exception flags in the RISC-V {@code fflags} encoding.
 *
 * <p>Every operation of {@link F32} and {@link F64} ORs the exceptions it signals into {@link #bits}
 * and never clears anything, exactly like the accrued-exception field of {@code fcsr}: the CPU
 * keeps one instance per hart, reads it for {@code frflags}/{@code frcsr} and clears it for
 * {@code fsflags}. Passing the holder in, rather than returning flags, keeps every operation free
 * of allocation.
 *
 * @see <a href="https://github.com/riscv/riscv-isa-manual/blob/main/src/f-st-ext.adoc">RISC-V
 *     unprivileged ISA, "Floating-Point Control and Status Register"</a>
 */
public final class FloatFlags {
    /** Inexact: the rounded result differs from the exact result. */
    public static final int NX = 1;
    /** Underflow: the result is tiny (detected after rounding) and inexact. */
    public static final int UF = 2;
    /** Overflow: the rounded result with an unbounded exponent exceeds the largest finite number. */
    public static final int OF = 4;
    /** Division by zero: a finite non-zero dividend was divided by zero. */
    public static final int DZ = 8;
    /** Invalid operation: no meaningful result exists (0*inf, inf-inf, signalling NaN input, ...). */
    public static final int NV = 16;

    /** The accrued flags; only the low five bits are ever set. */
    public int bits;

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        if ((bits & NV) != 0) s.append("NV ");
        if ((bits & DZ) != 0) s.append("DZ ");
        if ((bits & OF) != 0) s.append("OF ");
        if ((bits & UF) != 0) s.append("UF ");
        if ((bits & NX) != 0) s.append("NX ");
        return s.isEmpty() ? "-" : s.toString().trim();
    }
}
