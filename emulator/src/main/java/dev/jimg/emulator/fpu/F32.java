package dev.jimg.emulator.fpu;

import static dev.jimg.emulator.fpu.BinaryFormat.BINARY32;
import static dev.jimg.emulator.fpu.DirectedRounding.sign;

/**
 * IEEE 754 binary32 arithmetic exactly as the RISC-V F extension defines it: every rounding mode,
 * all five exception flags, subnormals in and out, tininess detected after rounding, and the
 * canonical NaN {@code 0x7fc00000} as the only NaN result (payloads are not propagated).
 * Operands and results are raw bit patterns.
 *
 * <p>Method: a binary32 operation is evaluated in binary64 by the hardware together with the sign
 * of its exact error, and that pair is rounded to binary32 by {@link Rounder#roundFromDouble}.
 * Every step is exact for binary32 inputs: sums and products of binary32 values fit the binary64
 * range, a product is even exact (48 bits), TwoSum gives the exact error of a sum, and
 * {@code fma(-q, y, x)} / {@code fma(-s, s, x)} give the exact remainders of a quotient and a
 * square root (far above binary64's underflow threshold). {@link Math#fma} is correctly rounded on
 * every JVM; it is fast where the JIT maps it to the hardware instruction (x86-64 with FMA3,
 * AArch64), and a slow software routine elsewhere.
 *
 * <p>Special operands (NaNs, infinities, zeros that decide a result), the comparisons and FCLASS
 * follow rules that do not depend on the width; they are in {@link SpecialCases},
 * {@link Comparisons} and {@link BinaryFormat}, shared with {@link F64}. An {@code int} operand
 * reaches them widened to {@code long} and the result is narrowed back.
 *
 * <p>All methods are thread-safe and allocation-free; the flags go to the caller's holder.
 */
public final class F32 {
    /** The canonical quiet NaN of RISC-V. */
    public static final int CANONICAL_NAN = 0x7fc0_0000;
    private static final int SIGN = 0x8000_0000;

    private F32() {}

    // ---------------------------------------------------------------- arithmetic

    /** FADD.S: {@code a + b}. */
    public static int add(int a, int b, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY32.isInfOrNaN(a) || BINARY32.isInfOrNaN(b)) {
            return (int) SpecialCases.add(BINARY32, a, b, f);
        }
        double x = toDouble(a);
        double y = toDouble(b);
        double s = x + y;
        if (s == 0) {
            return (int) SpecialCases.zeroSum(BINARY32, a, b, rm);
        }
        return roundBasic(s, sign(DirectedRounding.twoSumError(x, y, s)), rm, f);
    }

    /** FSUB.S: {@code a - b}, which IEEE defines as {@code a + (-b)}. */
    public static int sub(int a, int b, int rm, FloatFlags f) {
        return add(a, b ^ SIGN, rm, f);
    }

    /** FMUL.S: {@code a * b}. */
    public static int mul(int a, int b, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY32.isInfOrNaN(a) || BINARY32.isInfOrNaN(b)) {
            return (int) SpecialCases.mul(BINARY32, a, b, f);
        }
        double p = toDouble(a) * toDouble(b); // exact: 24 x 24 bits
        if (p == 0) {
            return (a ^ b) & SIGN;
        }
        return roundBasic(p, 0, rm, f);
    }

    /** FDIV.S: {@code a / b}. */
    public static int div(int a, int b, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY32.isInfOrNaN(a) || BINARY32.isInfOrNaN(b) || BINARY32.isZero(a) || BINARY32.isZero(b)) {
            return (int) SpecialCases.div(BINARY32, a, b, f);
        }
        double x = toDouble(a);
        double y = toDouble(b);
        double q = x / y;
        double r = Math.fma(-q, y, x); // exact remainder; x/y - q has the sign of r/y
        return roundBasic(q, sign(r) * sign(y), rm, f);
    }

    /** FSQRT.S: the square root of {@code a}; NV for any negative non-zero input, sqrt(-0) = -0. */
    public static int sqrt(int a, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY32.isNegative(a) || BINARY32.isZero(a) || BINARY32.isInfOrNaN(a)) {
            return (int) SpecialCases.sqrt(BINARY32, a, f);
        }
        double x = toDouble(a);
        double s = Math.sqrt(x);
        return roundBasic(s, sign(Math.fma(-s, s, x)), rm, f);
    }

    /**
     * FMADD.S: {@code a * b + c} with a single rounding.
     *
     * <p>The other fused forms are this operation with operand signs flipped (bit 31 XOR-ed),
     * exactly as the ISA defines them by negating the product or the addend, never the result:
     * FMSUB = {@code mulAdd(a, b, c ^ 0x80000000)}, FNMSUB = {@code mulAdd(a ^ 0x80000000, b, c)},
     * FNMADD = {@code mulAdd(a ^ 0x80000000, b, c ^ 0x80000000)}. Flipping the sign of a NaN
     * operand is harmless: it keeps a signalling NaN signalling and the result is the canonical
     * NaN regardless. An exact zero result takes its sign from the (negated) terms, so FNMADD of
     * {@code x * 1 - x} is +0, not the -0 that negating the result would give.
     *
     * <p>{@code inf * 0 + c} raises NV even when {@code c} is a quiet NaN, as RISC-V requires.
     */
    public static int mulAdd(int a, int b, int c, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        if (BINARY32.isInfOrNaN(a) || BINARY32.isInfOrNaN(b) || BINARY32.isInfOrNaN(c)) {
            return (int) SpecialCases.mulAdd(BINARY32, a, b, c, f);
        }
        double p = toDouble(a) * toDouble(b); // exact
        double z = toDouble(c);
        double s = p + z;
        if (s == 0) {
            return (int) SpecialCases.zeroSum(BINARY32, a ^ b, c, rm);
        }
        return round(s, sign(DirectedRounding.twoSumError(p, z, s)), rm, f);
    }

    // ---------------------------------------------------------------- min, max, compare, classify

    /** FMIN.S (IEEE 754-2019 minimumNumber); the rules are at {@link Comparisons}. */
    public static int min(int a, int b, FloatFlags f) {
        return (int) Comparisons.min(BINARY32, a, b, f);
    }

    /** FMAX.S (IEEE 754-2019 maximumNumber); the rules are at {@link Comparisons}. */
    public static int max(int a, int b, FloatFlags f) {
        return (int) Comparisons.max(BINARY32, a, b, f);
    }

    /** FEQ.S, a quiet comparison: NV only for a signalling NaN; false if either is NaN. */
    public static boolean eq(int a, int b, FloatFlags f) {
        return Comparisons.eq(BINARY32, a, b, f);
    }

    /** FLT.S, a signalling comparison: NV for any NaN operand; false if either is NaN. */
    public static boolean lt(int a, int b, FloatFlags f) {
        return Comparisons.lt(BINARY32, a, b, f);
    }

    /** FLE.S, a signalling comparison: NV for any NaN operand; false if either is NaN. */
    public static boolean le(int a, int b, FloatFlags f) {
        return Comparisons.le(BINARY32, a, b, f);
    }

    /** FCLASS.S: the 10-bit class mask described at {@link BinaryFormat#classify}. */
    public static int classify(int a) {
        return BINARY32.classify(a);
    }

    // ---------------------------------------------------------------- conversions

    /** FCVT.W.S; saturates to [-2^31, 2^31-1] with NV, NaN gives 2^31-1. */
    public static int toInt32(int a, int rm, FloatFlags f) {
        return (int) IntegerConversion.toInteger(BINARY32, a, rm,
                IntegerConversion.INT32_MAX, IntegerConversion.INT32_MIN_MAGNITUDE, f);
    }

    /** FCVT.WU.S; saturates to [0, 2^32-1] with NV, NaN gives 2^32-1; the CPU sign-extends the result. */
    public static int toUInt32(int a, int rm, FloatFlags f) {
        return (int) IntegerConversion.toInteger(BINARY32, a, rm, IntegerConversion.UINT32_MAX, 0, f);
    }

    /** FCVT.L.S; saturates to [-2^63, 2^63-1] with NV, NaN gives 2^63-1. */
    public static long toInt64(int a, int rm, FloatFlags f) {
        return IntegerConversion.toInteger(BINARY32, a, rm,
                IntegerConversion.INT64_MAX, IntegerConversion.INT64_MIN_MAGNITUDE, f);
    }

    /** FCVT.LU.S; saturates to [0, 2^64-1] with NV, NaN gives 2^64-1. */
    public static long toUInt64(int a, int rm, FloatFlags f) {
        return IntegerConversion.toInteger(BINARY32, a, rm,
                IntegerConversion.UINT64_MAX, 0, f);
    }

    /** FCVT.S.W. */
    public static int fromInt32(int v, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        return (int) Rounder.fromInteger(BINARY32, v < 0, Math.abs((long) v), rm, f);
    }

    /** FCVT.S.WU: {@code v} is read as unsigned. */
    public static int fromUInt32(int v, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        return (int) Rounder.fromInteger(BINARY32, false, v & 0xffff_ffffL, rm, f);
    }

    /** FCVT.S.L. */
    public static int fromInt64(long v, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        return (int) Rounder.fromInteger(BINARY32, v < 0, v < 0 ? -v : v, rm, f);
    }

    /** FCVT.S.LU: {@code v} is read as unsigned. */
    public static int fromUInt64(long v, int rm, FloatFlags f) {
        RoundingMode.check(rm);
        return (int) Rounder.fromInteger(BINARY32, false, v, rm, f);
    }

    /** FCVT.D.S: exact; a NaN becomes the canonical binary64 NaN, NV if it was signalling. */
    public static long toF64(int a, FloatFlags f) {
        if (BINARY32.isNaN(a)) {
            if (BINARY32.isSignalingNaN(a)) {
                f.bits |= FloatFlags.NV;
            }
            return F64.CANONICAL_NAN;
        }
        return Double.doubleToRawLongBits(toDouble(a));
    }

    // ---------------------------------------------------------------- internals

    private static double toDouble(int a) {
        return Float.intBitsToFloat(a); // widening is exact, subnormals included
    }

    /**
     * Rounds the binary64 result {@code s} of an addition, multiplication, division or square root
     * of binary32 operands, whose exact value differs from {@code s} by the sign given.
     *
     * <p>Shortcut for RNE: the hardware's {@code (float) s} is then the correctly rounded result,
     * because double rounding through a format of at least 2p+2 bits is innocuous for these
     * operations (Figueroa, "When is double rounding innocuous?", 1995); a normal, finite result
     * cannot be tiny or overflowed, so inexactness is the only flag. Not valid for fused
     * multiply-adds, whose exact results can sit just off a binary32 midpoint.
     */
    private static int roundBasic(double s, int residualSign, int rm, FloatFlags f) {
        if (rm == RoundingMode.RNE) {
            float r = (float) s;
            float magnitude = Math.abs(r);
            if (magnitude > Float.MIN_NORMAL && magnitude <= Float.MAX_VALUE) {
                if (residualSign != 0 || r != s) {
                    f.bits |= FloatFlags.NX;
                }
                return Float.floatToRawIntBits(r);
            }
        }
        return round(s, residualSign, rm, f);
    }

    private static int round(double s, int residualSign, int rm, FloatFlags f) {
        return (int) Rounder.roundFromDouble(BINARY32, s, residualSign, 0, rm, f);
    }
}
