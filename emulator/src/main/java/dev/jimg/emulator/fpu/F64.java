package dev.jimg.emulator.fpu;

import static dev.jimg.emulator.fpu.BinaryFormat.BINARY32;
import static dev.jimg.emulator.fpu.BinaryFormat.BINARY64;
import static dev.jimg.emulator.fpu.DirectedRounding.sign;

/**
 * IEEE 754 binary64 arithmetic exactly as the RISC-V D extension defines it; the binary64
 * counterpart of {@link F32}, with the same conventions (raw bits, canonical NaN
 * {@code 0x7ff8000000000000}, tininess after rounding, flags OR-ed into the caller's holder).
 *
 * <p>Method: the hardware computes the round-to-nearest-even result and an error-free
 * transformation gives the exact residual (TwoSum for sums, {@code fma(x, y, -p)} for products,
 * Boldo and Muller's ErrFma for fused multiply-adds, the {@code fma} remainder for quotients and
 * square roots); {@link DirectedRounding} turns that pair into any rounding mode and the flags.
 * Each shortcut is taken only inside an exponent window where the residual is provably exact (or,
 * for quotients and square roots, at least exact in sign) and the result is clear of the underflow
 * threshold and of overflow; the windows are the named constants below. Outside them the
 * operation goes to {@link SoftDouble} (integer arithmetic) or, for quotients and square roots,
 * rescales the operands into the safe window and lets {@link Rounder} round the rescaled result.
 * Special operands, the comparisons and FCLASS go to the code shared with {@link F32}.
 */
public final class F64 {
    /** The canonical quiet NaN of RISC-V. */
    public static final long CANONICAL_NAN = 0x7ff8_0000_0000_0000L;
    private static final long SIGN = Long.MIN_VALUE;
    private static final double SMALLEST_NORMAL_VALUE = Double.MIN_NORMAL;

    /**
     * Lowest exponent sum of a product, and lowest dividend / radicand exponent, for which the
     * hardware residual is exact: the residual is a multiple of {@code 2^(e - 105)} or coarser,
     * which must not fall below the smallest subnormal {@code 2^-1074}. (With this bound the
     * product also stays above {@code 2^-1019}, clear of the underflow threshold.)
     */
    private static final int RESIDUAL_MIN_EXPONENT = -968;
    /**
     * Window for the ErrFma shortcut of {@link #mulAdd}: products and non-zero addends with
     * exponents in [-960, 1020] keep every intermediate of the algorithm free of underflow (its
     * proof needs |a*b| >= 2^(emin + 2p - 1) = 2^-969 and a normal addend) and of overflow.
     */
    private static final int FMA_MIN_EXPONENT = -960;
    private static final int FMA_MAX_EXPONENT = 1020;

    private F64() {}

    // ---------------------------------------------------------------- arithmetic

    /** FADD.D: {@code a + b}. */
    public static long add(long a, long b, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY64.isInfOrNaN(a) || BINARY64.isInfOrNaN(b)) {
            return SpecialCases.add(BINARY64, a, b, f);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        double s = x + y;
        if (s == 0) {
            return SpecialCases.zeroSum(BINARY64, a, b, rm);
        }
        if (Double.isInfinite(s)) {
            return SoftDouble.add(a, b, rm, f);
        }
        // Inputs are multiples of 2^-1074, so an inexact sum is at least 2^-1021: never tiny.
        return DirectedRounding.fromResidual(s, DirectedRounding.twoSumError(x, y, s), rm, f);
    }

    /** FSUB.D: {@code a - b}, which IEEE defines as {@code a + (-b)}. */
    public static long sub(long a, long b, int rm, FloatFlags f) {
        return add(a, b ^ SIGN, rm, f);
    }

    /** FMUL.D: {@code a * b}. */
    public static long mul(long a, long b, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY64.isInfOrNaN(a) || BINARY64.isInfOrNaN(b)) {
            return SpecialCases.mul(BINARY64, a, b, f);
        }
        if (BINARY64.isZero(a) || BINARY64.isZero(b)) {
            return (a ^ b) & SIGN;
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        double p = x * y;
        if (Math.getExponent(x) + Math.getExponent(y) < RESIDUAL_MIN_EXPONENT || Double.isInfinite(p)) {
            return SoftDouble.mul(a, b, rm, f);
        }
        return DirectedRounding.fromResidual(p, Math.fma(x, y, -p), rm, f);
    }

    /** FDIV.D: {@code a / b}. */
    public static long div(long a, long b, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY64.isInfOrNaN(a) || BINARY64.isInfOrNaN(b) || BINARY64.isZero(a) || BINARY64.isZero(b)) {
            return SpecialCases.div(BINARY64, a, b, f);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        double q = x / y;
        if (Math.getExponent(x) >= RESIDUAL_MIN_EXPONENT && (b & BINARY64.infinity()) != 0
                && Math.abs(q) > SMALLEST_NORMAL_VALUE && !Double.isInfinite(q)) {
            double r = Math.fma(-q, y, x);
            return DirectedRounding.fromResidualSign(q, sign(r) * sign(y), rm, f);
        }
        // Rescale both operands to [1, 2): the quotient is then safely normal and its residual
        // exact, and Rounder places it at the true exponent (subnormal or overflowing). Exact
        // quotients are never binary64 midpoints, as Rounder.roundFromDouble requires.
        int ea = SoftDouble.exponent(a);
        int eb = SoftDouble.exponent(b);
        double xs = Math.scalb(x, -ea);
        double ys = Math.scalb(y, -eb);
        double qs = xs / ys;
        double rs = Math.fma(-qs, ys, xs);
        return Rounder.roundFromDouble(BINARY64, qs, sign(rs) * sign(ys), ea - eb, rm, f);
    }

    /** FSQRT.D: the square root of {@code a}; NV for any negative non-zero input, sqrt(-0) = -0. */
    public static long sqrt(long a, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY64.isNegative(a) || BINARY64.isZero(a) || BINARY64.isInfOrNaN(a)) {
            return SpecialCases.sqrt(BINARY64, a, f);
        }
        double x = Double.longBitsToDouble(a);
        if (Math.getExponent(x) >= RESIDUAL_MIN_EXPONENT) {
            double s = Math.sqrt(x);
            return DirectedRounding.fromResidualSign(s, sign(Math.fma(-s, s, x)), rm, f);
        }
        // Tiny radicand: scale by an even power of two into [1, 4), where the residual is exact;
        // the root (>= 2^-537) is far from tiny, and square roots are never binary64 midpoints.
        int e = SoftDouble.exponent(a);
        int even = e - (e & 1);
        double xs = Math.scalb(x, -even);
        double s = Math.sqrt(xs);
        return Rounder.roundFromDouble(BINARY64, s, sign(Math.fma(-s, s, xs)), even / 2, rm, f);
    }

    /**
     * FMADD.D: {@code a * b + c} with a single rounding. The other fused forms flip operand signs
     * exactly as described at {@link F32#mulAdd}, with bit 63 instead of bit 31.
     *
     * <p>{@code inf * 0 + c} raises NV even when {@code c} is a quiet NaN, as RISC-V requires.
     */
    public static long mulAdd(long a, long b, long c, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY64.isInfOrNaN(a) || BINARY64.isInfOrNaN(b) || BINARY64.isInfOrNaN(c)) {
            return SpecialCases.mulAdd(BINARY64, a, b, c, f);
        }
        if (BINARY64.isZero(a) || BINARY64.isZero(b) || BINARY64.isZero(c)) {
            return SoftDouble.fma(a, b, c, rm, f); // trivial: a zero term makes this exact or a product
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        double z = Double.longBitsToDouble(c);
        int exy = Math.getExponent(x) + Math.getExponent(y);
        int ez = Math.getExponent(z);
        if (exy < FMA_MIN_EXPONENT || exy > FMA_MAX_EXPONENT || ez < FMA_MIN_EXPONENT || ez > FMA_MAX_EXPONENT) {
            return SoftDouble.fma(a, b, c, rm, f);
        }
        double r1 = Math.fma(x, y, z);
        if (r1 == 0) {
            // All terms are multiples of 2^-1064 here, so a zero result is an exact cancellation.
            return rm == RoundingMode.RDN ? SIGN : 0;
        }
        if (!(Math.abs(r1) > SMALLEST_NORMAL_VALUE) || Double.isInfinite(r1)) {
            return SoftDouble.fma(a, b, c, rm, f);
        }
        // ErrFma (Boldo & Muller, "Exact and approximated error of the FMA", IEEE TC 2011):
        // x*y + z == r1 + r2 + r3 exactly, with |r3| <= ulp(r2)/2, so r2 carries the residual's
        // sign and r2 == 0 means exact.
        double u1 = x * y;
        double u2 = Math.fma(x, y, -u1);
        double alpha1 = z + u2;
        double alpha2 = DirectedRounding.twoSumError(z, u2, alpha1);
        double beta1 = u1 + alpha1;
        double beta2 = DirectedRounding.twoSumError(u1, alpha1, beta1);
        double gamma = (beta1 - r1) + beta2;
        double r2 = gamma + alpha2;
        double r3 = DirectedRounding.twoSumError(gamma, alpha2, r2);
        if (r3 == 0) {
            return DirectedRounding.fromResidual(r1, r2, rm, f); // r2 is the whole residual
        }
        // r3 != 0 means r2 + r3 is not representable, so it is not the power of two a tie needs.
        return DirectedRounding.fromResidualSign(r1, sign(r2), rm, f);
    }

    // ---------------------------------------------------------------- min, max, compare, classify

    /** FMIN.D (IEEE 754-2019 minimumNumber); the rules are at {@link Comparisons}. */
    public static long min(long a, long b, FloatFlags f) {
        return Comparisons.min(BINARY64, a, b, f);
    }

    /** FMAX.D (IEEE 754-2019 maximumNumber); the rules are at {@link Comparisons}. */
    public static long max(long a, long b, FloatFlags f) {
        return Comparisons.max(BINARY64, a, b, f);
    }

    /** FEQ.D, a quiet comparison: NV only for a signalling NaN; false if either is NaN. */
    public static boolean eq(long a, long b, FloatFlags f) {
        return Comparisons.eq(BINARY64, a, b, f);
    }

    /** FLT.D, a signalling comparison: NV for any NaN operand; false if either is NaN. */
    public static boolean lt(long a, long b, FloatFlags f) {
        return Comparisons.lt(BINARY64, a, b, f);
    }

    /** FLE.D, a signalling comparison: NV for any NaN operand; false if either is NaN. */
    public static boolean le(long a, long b, FloatFlags f) {
        return Comparisons.le(BINARY64, a, b, f);
    }

    /** FCLASS.D: the 10-bit class mask described at {@link BinaryFormat#classify}. */
    public static int classify(long a) {
        return BINARY64.classify(a);
    }

    // ---------------------------------------------------------------- conversions

    /** FCVT.W.D; saturates to [-2^31, 2^31-1] with NV, NaN gives 2^31-1. */
    public static int toInt32(long a, int rm, FloatFlags f) {
        return (int) IntegerConversion.toInteger(BINARY64, a, rm,
                IntegerConversion.INT32_MAX, IntegerConversion.INT32_MIN_MAGNITUDE, f);
    }

    /** FCVT.WU.D; saturates to [0, 2^32-1] with NV, NaN gives 2^32-1; the CPU sign-extends the result. */
    public static int toUInt32(long a, int rm, FloatFlags f) {
        return (int) IntegerConversion.toInteger(BINARY64, a, rm, IntegerConversion.UINT32_MAX, 0, f);
    }

    /** FCVT.L.D; saturates to [-2^63, 2^63-1] with NV, NaN gives 2^63-1. */
    public static long toInt64(long a, int rm, FloatFlags f) {
        return IntegerConversion.toInteger(BINARY64, a, rm,
                IntegerConversion.INT64_MAX, IntegerConversion.INT64_MIN_MAGNITUDE, f);
    }

    /** FCVT.LU.D; saturates to [0, 2^64-1] with NV, NaN gives 2^64-1. */
    public static long toUInt64(long a, int rm, FloatFlags f) {
        return IntegerConversion.toInteger(BINARY64, a, rm, IntegerConversion.UINT64_MAX, 0, f);
    }

    /** FCVT.D.W: always exact. */
    public static long fromInt32(int v, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        return Double.doubleToRawLongBits(v);
    }

    /** FCVT.D.WU: always exact; {@code v} is read as unsigned. */
    public static long fromUInt32(int v, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        return Double.doubleToRawLongBits(v & 0xffff_ffffL);
    }

    /** FCVT.D.L. */
    public static long fromInt64(long v, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        return Rounder.fromInteger(BINARY64, v < 0, v < 0 ? -v : v, rm, f);
    }

    /** FCVT.D.LU: {@code v} is read as unsigned. */
    public static long fromUInt64(long v, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        return Rounder.fromInteger(BINARY64, false, v, rm, f);
    }

    /** FCVT.S.D: rounds to binary32; a NaN becomes the canonical binary32 NaN, NV if signalling. */
    public static int toF32(long a, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY64.isInfOrNaN(a)) {
            if (BINARY64.isNaN(a)) {
                if (BINARY64.isSignalingNaN(a)) {
                    f.bits |= FloatFlags.NV;
                }
                return F32.CANONICAL_NAN;
            }
            return (int) ((a >>> 32) & 0x8000_0000L) | 0x7f80_0000;
        }
        if (BINARY64.isZero(a)) {
            return (int) (a >>> 32); // signed zero
        }
        long sig = SoftDouble.significand(a) << (Rounder.TOP - 52);
        return (int) Rounder.roundPack(BINARY32, a < 0, SoftDouble.exponent(a), sig, rm, f);
    }
}
