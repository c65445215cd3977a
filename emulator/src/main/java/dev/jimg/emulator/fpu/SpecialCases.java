package dev.jimg.emulator.fpu;

/**
 * Results of the arithmetic instructions that no rounding decides, for either width: operations
 * with a NaN or infinite operand (or a zero where it settles the result on its own), and the sign
 * of an exact zero sum. {@link F32} and {@link F64} keep their different arithmetic and come here
 * once an operand is special, which is off their hot paths.
 *
 * <p>The RISC-V rules (unprivileged ISA, "NaN Generation and Propagation"): a NaN result is always
 * the canonical NaN, never a propagated payload; NV is raised for a signalling NaN operand and for
 * the invalid operations inf - inf, 0 * inf (also in a fused multiply-add whose addend is a quiet
 * NaN), 0 / 0, inf / inf and the square root of a negative number; DZ for a finite non-zero
 * dividend over zero.
 *
 * <p>Operands are read as {@link BinaryFormat} describes; a result is an operand as passed, or a
 * pattern in the format's low bits ({@link BinaryFormat#mask}).
 *
 * @see <a href="https://github.com/riscv/riscv-isa-manual/blob/main/src/f-st-ext.adoc">RISC-V
 *     unprivileged ISA, F extension</a>
 */
final class SpecialCases {
    private SpecialCases() {}

    /** {@code a + b} where {@code a} or {@code b} is infinite or NaN. */
    static long add(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            return nan(fmt, a, b, f);
        }
        if (fmt.isInfOrNaN(a) && fmt.isInfOrNaN(b)) {
            return fmt.isNegative(a) == fmt.isNegative(b) ? a : invalid(fmt, f); // inf - inf
        }
        return fmt.isInfOrNaN(a) ? a : b;
    }

    /** {@code a * b} where {@code a} or {@code b} is infinite or NaN. */
    static long mul(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            return nan(fmt, a, b, f);
        }
        if (fmt.isZero(a) || fmt.isZero(b)) {
            return invalid(fmt, f); // inf * 0
        }
        return productSign(fmt, a, b) | fmt.infinity();
    }

    /** {@code a / b} where {@code a} or {@code b} is infinite, NaN or zero. */
    static long div(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            return nan(fmt, a, b, f);
        }
        long sign = productSign(fmt, a, b);
        if (fmt.isInfOrNaN(a)) {
            return fmt.isInfOrNaN(b) ? invalid(fmt, f) : sign | fmt.infinity(); // inf / inf, inf / x
        }
        if (fmt.isInfOrNaN(b)) {
            return sign; // x / inf
        }
        if (fmt.isZero(b)) {
            if (fmt.isZero(a)) {
                return invalid(fmt, f); // 0 / 0
            }
            f.bits |= FloatFlags.DZ;
            return sign | fmt.infinity();
        }
        return sign; // 0 / x
    }

    /** The square root of {@code a}, which is NaN, infinite, zero or negative; sqrt(-0) = -0. */
    static long sqrt(BinaryFormat fmt, long a, FloatFlags f) {
        if (fmt.isNaN(a)) {
            return nan(fmt, a, a, f);
        }
        if (fmt.isZero(a) || !fmt.isNegative(a)) {
            return a; // ±0 and +inf are their own roots
        }
        return invalid(fmt, f);
    }

    /**
     * {@code a * b + c} where an operand is infinite or NaN. {@code inf * 0 + c} raises NV even
     * when {@code c} is a quiet NaN, as RISC-V requires.
     */
    static long mulAdd(BinaryFormat fmt, long a, long b, long c, FloatFlags f) {
        boolean infTimesZero = (fmt.isInfOrNaN(a) && !fmt.isNaN(a) && fmt.isZero(b))
                || (fmt.isInfOrNaN(b) && !fmt.isNaN(b) && fmt.isZero(a));
        if (fmt.isNaN(a) || fmt.isNaN(b) || fmt.isNaN(c)) {
            if (infTimesZero || fmt.isSignalingNaN(a) || fmt.isSignalingNaN(b) || fmt.isSignalingNaN(c)) {
                f.bits |= FloatFlags.NV;
            }
            return fmt.canonicalNaN();
        }
        if (infTimesZero) {
            return invalid(fmt, f);
        }
        if (fmt.isInfOrNaN(a) || fmt.isInfOrNaN(b)) {
            long product = productSign(fmt, a, b) | fmt.infinity();
            if (fmt.isInfOrNaN(c) && fmt.isNegative(c) != fmt.isNegative(product)) {
                return invalid(fmt, f); // inf - inf
            }
            return product;
        }
        return c; // only the addend is infinite
    }

    /**
     * The sign of an exact zero sum {@code a + b} (IEEE 754 §6.3): the terms' shared sign, else +
     * (- under RDN). Only the signs of the terms are read, so a caller may pass a sign bit alone
     * for a term, such as the sign of a product.
     */
    static long zeroSum(BinaryFormat fmt, long a, long b, int rm) {
        if (fmt.isNegative(a) == fmt.isNegative(b)) {
            return a & fmt.signBit();
        }
        return rm == RoundingMode.RDN ? fmt.signBit() : 0;
    }

    private static long productSign(BinaryFormat fmt, long a, long b) {
        return (a ^ b) & fmt.signBit();
    }

    private static long invalid(BinaryFormat fmt, FloatFlags f) {
        f.bits |= FloatFlags.NV;
        return fmt.canonicalNaN();
    }

    /** Canonical NaN for an operation with a NaN operand; NV if any operand is signalling. */
    private static long nan(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isSignalingNaN(a) || fmt.isSignalingNaN(b)) {
            f.bits |= FloatFlags.NV;
        }
        return fmt.canonicalNaN();
    }
}
