package dev.jimg.emulator.fpu;

/**
 * An IEEE 754 binary interchange format, binary32 or binary64 for the F and D extensions, with
 * the parameters the width-independent code needs (rounding, special cases, comparisons) and the
 * questions that are answered from an encoding alone.
 *
 * <p>Bit patterns travel in a {@code long}. The predicates and {@link #classify} read only the
 * format's own low bits, so a binary32 pattern may arrive zero-extended or, as Java widens an
 * {@code int}, sign-extended; {@link F32} relies on the latter to pass its operands at no cost.
 *
 * <p>A record with the parameters derived by methods, rather than an enum with precomputed fields,
 * because HotSpot trusts the final fields of records: where the format is a constant, as at every
 * call site in {@link F32} and {@link F64}, C2 folds {@link #precision} and
 * {@link #exponentBits} and with them every derived mask into the compiled code, whereas it loads
 * an enum's fields on each call (which made F32's FDIV.S about a fifth slower in
 * {@code FpuThroughput}).
 *
 * @param precision significand precision p, counting the implicit leading bit
 * @param exponentBits width of the biased exponent field
 */
record BinaryFormat(int precision, int exponentBits) {
    /** binary32: 24-bit significand (23 stored), 8-bit exponent. */
    static final BinaryFormat BINARY32 = new BinaryFormat(24, 8);
    /** binary64: 53-bit significand (52 stored), 11-bit exponent. */
    static final BinaryFormat BINARY64 = new BinaryFormat(53, 11);

    BinaryFormat {
        if (precision < 2 || exponentBits < 2 || precision + exponentBits > 64) {
            throw new IllegalArgumentException("no binary format fits a long with precision " + precision
                    + " and " + exponentBits + " exponent bits");
        }
    }

    /** Exponent bias; also emax. */
    int bias() {
        return (1 << (exponentBits - 1)) - 1;
    }

    /** Exponent of the smallest normal number, 1 - bias. */
    int emin() {
        return 1 - bias();
    }

    /** Exponent of the largest finite number. */
    int emax() {
        return bias();
    }

    long signBit() {
        return 1L << (precision + exponentBits - 1);
    }

    /** All bits an encoding occupies. */
    long mask() {
        return signBit() | magnitudeMask();
    }

    /** Every bit of an encoding but the sign. */
    long magnitudeMask() {
        return signBit() - 1;
    }

    long infinity() {
        return ((1L << exponentBits) - 1) << (precision - 1);
    }

    long maxFinite() {
        return infinity() - 1;
    }

    /** Encoding of 2^emin, the smallest positive normal number. */
    long smallestNormal() {
        return 1L << (precision - 1);
    }

    /** The leading fraction bit: set in a quiet NaN, clear in a signalling one. */
    long quietBit() {
        return 1L << (precision - 2);
    }

    /** The only NaN RISC-V produces: positive, quiet, zero payload. */
    long canonicalNaN() {
        return infinity() | quietBit();
    }

    /** Whether the sign bit is set; tested with the sign moved to bit 63, which needs no 64-bit mask. */
    boolean isNegative(long bits) {
        return bits << (64 - precision - exponentBits) < 0;
    }

    /** Whether {@code bits} is +0 or -0. */
    boolean isZero(long bits) {
        return (bits & magnitudeMask()) == 0;
    }

    /** Whether the exponent field is all ones: the operand needs no arithmetic, only rules. */
    boolean isInfOrNaN(long bits) {
        return (bits & infinity()) == infinity();
    }

    /** Whether {@code bits} is a NaN, quiet or signalling. */
    boolean isNaN(long bits) {
        return (bits & magnitudeMask()) > infinity();
    }

    /** Whether {@code bits} is a signalling NaN (quiet bit clear). */
    boolean isSignalingNaN(long bits) {
        return isNaN(bits) && (bits & quietBit()) == 0;
    }

    /**
     * FCLASS: a mask with exactly one of these bits set: 0 -inf, 1 negative normal,
     * 2 negative subnormal, 3 -0, 4 +0, 5 positive subnormal, 6 positive normal, 7 +inf,
     * 8 signalling NaN, 9 quiet NaN.
     */
    int classify(long bits) {
        long magnitude = bits & magnitudeMask();
        if (magnitude > infinity()) {
            return (bits & quietBit()) != 0 ? 1 << 9 : 1 << 8;
        }
        int positiveBit;
        if (magnitude == infinity()) {
            positiveBit = 7;
        } else if (magnitude >= smallestNormal()) {
            positiveBit = 6;
        } else if (magnitude != 0) {
            positiveBit = 5;
        } else {
            positiveBit = 4;
        }
        return isNegative(bits) ? 1 << (7 - positiveBit) : 1 << positiveBit;
    }
}
