package dev.jimg.emulator.fpu;

/**
 * FEQ, FLT, FLE, FMIN and FMAX for either width: instructions that only order their operands, so
 * they work on the bit patterns (read as {@link BinaryFormat} describes) without arithmetic.
 *
 * <p>The NaN rules differ by instruction: FEQ is a quiet comparison (NV only for a signalling
 * NaN), FLT and FLE signal NV for any NaN; all three are false when an operand is a NaN. FMIN/FMAX
 * are IEEE 754-2019 minimumNumber / maximumNumber, in which -0 is below +0, one NaN operand yields
 * the other operand, two yield the canonical NaN, and any signalling NaN raises NV.
 *
 * @see <a href="https://github.com/riscv/riscv-isa-manual/blob/main/src/f-st-ext.adoc">RISC-V
 *     unprivileged ISA, "Single-Precision Floating-Point Compare Instructions" and FMIN/FMAX</a>
 */
final class Comparisons {
    private Comparisons() {}

    static boolean eq(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            if (fmt.isSignalingNaN(a) || fmt.isSignalingNaN(b)) {
                f.bits |= FloatFlags.NV;
            }
            return false;
        }
        return ((a ^ b) & fmt.mask()) == 0 || fmt.isZero(a | b);
    }

    static boolean lt(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            f.bits |= FloatFlags.NV;
            return false;
        }
        return !fmt.isZero(a | b) && orderKey(fmt, a) < orderKey(fmt, b);
    }

    static boolean le(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            f.bits |= FloatFlags.NV;
            return false;
        }
        return fmt.isZero(a | b) || orderKey(fmt, a) <= orderKey(fmt, b);
    }

    /** minimumNumber; returns one of the operands as passed, or the canonical NaN. */
    static long min(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            return minMaxNaN(fmt, a, b, f);
        }
        return orderKey(fmt, a) <= orderKey(fmt, b) ? a : b;
    }

    /** maximumNumber; returns one of the operands as passed, or the canonical NaN. */
    static long max(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            return minMaxNaN(fmt, a, b, f);
        }
        return orderKey(fmt, a) >= orderKey(fmt, b) ? a : b;
    }

    /**
     * Total order on non-NaN bit patterns in which -0 precedes +0: with the sign moved to bit 63,
     * the magnitude bits complemented when negative (so -0 maps to -1 and larger negative
     * magnitudes lower still). Branch-free, as the comparisons are on the guest's hot paths.
     */
    private static long orderKey(BinaryFormat fmt, long a) {
        long signs = (a << (64 - fmt.precision() - fmt.exponentBits())) >> 63; // all ones if negative
        return (a & fmt.magnitudeMask()) ^ signs;
    }

    private static long minMaxNaN(BinaryFormat fmt, long a, long b, FloatFlags f) {
        if (fmt.isSignalingNaN(a) || fmt.isSignalingNaN(b)) {
            f.bits |= FloatFlags.NV;
        }
        if (fmt.isNaN(a) && fmt.isNaN(b)) {
            return fmt.canonicalNaN();
        }
        return fmt.isNaN(a) ? b : a;
    }
}
