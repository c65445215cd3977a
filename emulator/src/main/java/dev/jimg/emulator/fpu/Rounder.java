package dev.jimg.emulator.fpu;

/**
 * Rounds an exact (or sticky-marked) magnitude to binary32 or binary64 under any RISC-V rounding
 * mode, producing the IEEE 754 exception flags: the one place where results are packed into bits.
 *
 * <p>The input is a significand {@code sig} whose most significant set bit is bit
 * {@value #TOP}, so the value is {@code sig * 2^(exp - TOP)}. Bits below the ones kept by the
 * format are the rounding remainder; a caller that has discarded non-zero bits further down ORs a
 * 1 into bit 0 ("sticky"), which is enough because at least {@code 63 - 53 - 1 = 9} bits separate
 * bit 0 from the rounding point, so the marked value sits strictly between the same rounding
 * boundaries (representable numbers and midpoints) as the exact one.
 *
 * <p>Underflow follows the RISC-V rule (unprivileged ISA, "Subnormal Arithmetic"): tininess is
 * detected <em>after</em> rounding, i.e. a result is tiny when rounding it to {@code p} bits with
 * an unbounded exponent range gives a magnitude below {@code 2^emin}; UF is raised only when the
 * result is tiny and inexact. Overflow is likewise judged on the unbounded-exponent rounding, so
 * RTZ of a value between the largest finite number and {@code 2^(emax+1)} is merely inexact.
 */
final class Rounder {
    /** Bit position of the leading significand bit expected by {@link #roundPack}. */
    static final int TOP = 62;
    private static final long DOUBLE_FRACTION = (1L << 52) - 1;
    private static final long DOUBLE_HIDDEN = 1L << 52;

    private Rounder() {}

    /**
     * Rounds {@code ±sig * 2^(exp - TOP)} to {@code fmt}.
     *
     * @param sig non-zero significand with bit {@value #TOP} set; bit 0 may be a sticky mark
     * @return the raw bits (binary32 in the low 32 bits)
     */
    static long roundPack(BinaryFormat fmt, boolean negative, int exp, long sig, int rm, FloatFlags flags) {
        int p = fmt.precision();
        int shift = 63 - p;
        boolean tiny = false;
        if (exp < fmt.emin()) {
            // A value in [2^(emin-1), 2^emin) is not tiny if rounding it to full precision carries
            // it up to 2^emin; anything smaller is tiny whatever the rounding.
            tiny = exp < fmt.emin() - 1 || !carriesToNextBinade(sig, shift, p, rm, negative);
            shift += fmt.emin() - exp;
            exp = fmt.emin();
            if (shift > 63) { // everything lies below half of the smallest subnormal
                sig = 1;
                shift = 63;
            }
        }
        if (exp > fmt.emax()) { // at least 2^(emax+1) whatever the rounding
            return overflow(fmt, negative, rm, flags);
        }
        long kept = sig >>> shift;
        long rem = sig & ((1L << shift) - 1);
        if (rem != 0) {
            flags.bits |= tiny ? FloatFlags.NX | FloatFlags.UF : FloatFlags.NX;
            if (RoundingMode.roundsUp(rm, negative, kept, rem, 1L << (shift - 1))) {
                kept++;
            }
        }
        // The implicit bit of `kept` adds one to the exponent field, and a carry out of the
        // significand (kept == 2^p) adds two, which is exactly the renormalised encoding; for
        // subnormals (exp == emin) the field base is 0 and a carry into 2^(p-1) yields emin.
        long bits = ((long) (exp + fmt.bias() - 1) << (p - 1)) + kept;
        if (bits >= fmt.infinity()) { // rounded up from the largest binade
            return overflow(fmt, negative, rm, flags);
        }
        return negative ? bits | fmt.signBit() : bits;
    }

    private static long overflow(BinaryFormat fmt, boolean negative, int rm, FloatFlags flags) {
        flags.bits |= FloatFlags.OF | FloatFlags.NX;
        long bits = RoundingMode.overflowsToInfinity(rm, negative) ? fmt.infinity() : fmt.maxFinite();
        return negative ? bits | fmt.signBit() : bits;
    }

    private static boolean carriesToNextBinade(long sig, int shift, int p, int rm, boolean negative) {
        long kept = sig >>> shift;
        long rem = sig & ((1L << shift) - 1);
        return kept == (1L << p) - 1 && rem != 0
                && RoundingMode.roundsUp(rm, negative, kept, rem, 1L << (shift - 1));
    }

    /**
     * Rounds {@code v = s * 2^scale} to {@code fmt}, where {@code s} is a non-zero finite double
     * equal to the exact result {@code v / 2^scale} rounded to nearest, and {@code residualSign} is
     * the sign of that exact result minus {@code s} (0 when {@code s} is exact).
     *
     * <p>This is sound when no rounding boundary of the target lies strictly between {@code s} and
     * the exact value, and the exact value is not itself a boundary unless {@code s} is: true for
     * a binary32 target (its representable numbers and midpoints need at most 25 bits, so they are
     * doubles, and no double lies strictly between a value and its nearest double), and for a
     * binary64 target as long as the exact value cannot be a binary64 midpoint (quotients and
     * square roots never are).
     */
    static long roundFromDouble(BinaryFormat fmt, double s, int residualSign, int scale, int rm, FloatFlags flags) {
        long b = Double.doubleToRawLongBits(s);
        boolean negative = b < 0;
        int field = (int) (b >>> 52) & 0x7ff;
        long m;
        int exp;
        if (field != 0) {
            m = (b & DOUBLE_FRACTION) | DOUBLE_HIDDEN;
            exp = field - 1023;
        } else { // subnormal double: normalise
            long frac = b & DOUBLE_FRACTION;
            int lz = Long.numberOfLeadingZeros(frac) - 11;
            m = frac << lz;
            exp = -1022 - lz;
        }
        long sig = m << (TOP - 52);
        exp += scale;
        if (residualSign != 0) {
            if ((residualSign > 0) != negative) {
                sig |= 1; // the exact magnitude is a little larger than |s|
            } else {
                sig -= 1; // ... a little smaller, possibly just below a power of two
                if (sig < 1L << TOP) {
                    sig = (sig << 1) | 1;
                    exp--;
                }
            }
        }
        return roundPack(fmt, negative, exp, sig, rm, flags);
    }

    /**
     * Rounds the integer {@code ±magnitude} (read as unsigned) to {@code fmt}; zero becomes +0.
     */
    static long fromInteger(BinaryFormat fmt, boolean negative, long magnitude, int rm, FloatFlags flags) {
        if (magnitude == 0) {
            return 0;
        }
        int lz = Long.numberOfLeadingZeros(magnitude);
        long sig;
        if (lz == 0) {
            sig = (magnitude >>> 1) | (magnitude & 1);
        } else {
            sig = magnitude << (lz - 1);
        }
        return roundPack(fmt, negative, 63 - lz, sig, rm, flags);
    }
}
