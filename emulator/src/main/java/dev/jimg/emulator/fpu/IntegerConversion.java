package dev.jimg.emulator.fpu;

/**
 * Floating-point to integer conversion (FCVT.W/WU/L/LU.S/D) with the RISC-V saturation rules.
 *
 * <p>The value is rounded to an integer in the requested mode first; only a rounded result outside
 * the destination range is invalid. Invalid conversions raise NV alone (never NX) and return the
 * bound of the spec's table "Domains of float-to-integer conversions and behavior for invalid
 * inputs": NaN and +inf and too-large positive values give the maximum, -inf and too-large
 * negative values give the minimum (0 for the unsigned forms). So {@code fcvt.wu.s} of -0.3 is 0
 * with NX, while of -1.0 it is 0 with NV.
 *
 * <p>{@link #toInteger} runs for every FCVT to an integer, C's casts among them. Its bytecode is
 * kept just under C2's size limit for inlining a hot method ({@code -XX:FreqInlineSize}, 325
 * bytes), so that it is compiled into each caller with the format a constant: FCVT.L.D measured
 * about a third faster so than as a call ({@code FpuThroughput}).
 */
final class IntegerConversion {
    /** Bounds of the four destination types, as unsigned magnitudes. */
    static final long INT32_MAX = Integer.MAX_VALUE;
    static final long INT32_MIN_MAGNITUDE = 1L << 31;
    static final long UINT32_MAX = 0xffff_ffffL;
    static final long INT64_MAX = Long.MAX_VALUE;
    static final long INT64_MIN_MAGNITUDE = Long.MIN_VALUE; // 2^63 read as unsigned
    static final long UINT64_MAX = -1L; // 2^64 - 1 read as unsigned

    private IntegerConversion() {}

    /**
     * Converts raw bits of {@code fmt} to an integer; only the format's own low bits of
     * {@code bits} are read.
     *
     * @param maxPositive the largest result (unsigned)
     * @param maxNegativeMagnitude the magnitude of the most negative result (unsigned; 0 when
     *     the destination is unsigned)
     * @return the two's-complement result; callers narrow it to 32 bits for W/WU
     */
    static long toInteger(BinaryFormat fmt, long bits, int rm, long maxPositive, long maxNegativeMagnitude,
            FloatFlags flags) {
        RoundingMode.check(rm);
        int p = fmt.precision();
        boolean negative = fmt.isNegative(bits);
        long magnitudeBits = bits & fmt.magnitudeMask();
        if (magnitudeBits >= fmt.infinity()) { // a NaN converts as +inf does
            return invalid(negative && magnitudeBits == fmt.infinity(), maxPositive, maxNegativeMagnitude, flags);
        }
        if (magnitudeBits == 0) {
            return 0;
        }
        int field = (int) (magnitudeBits >>> (p - 1));
        long m = magnitudeBits & ((1L << (p - 1)) - 1);
        if (field != 0) {
            m |= 1L << (p - 1);
        }
        int scale = Math.max(field, 1) - fmt.bias() - (p - 1); // value = m * 2^scale
        long magnitude;
        boolean inexact = false;
        if (scale >= 0) {
            if (64 - Long.numberOfLeadingZeros(m) + scale > 64) {
                return invalid(negative, maxPositive, maxNegativeMagnitude, flags);
            }
            magnitude = m << scale;
        } else {
            int shift = -scale;
            if (shift > 62) { // |value| < 2^-9: a non-zero fraction below one half
                m = 1;
                shift = 62;
            }
            long kept = m >>> shift;
            long rem = m & ((1L << shift) - 1);
            if (rem != 0) {
                inexact = true;
                if (RoundingMode.roundsUp(rm, negative, kept, rem, 1L << (shift - 1))) {
                    kept++;
                }
            }
            magnitude = kept;
        }
        long limit = negative ? maxNegativeMagnitude : maxPositive;
        if (Long.compareUnsigned(magnitude, limit) > 0) {
            return invalid(negative, maxPositive, maxNegativeMagnitude, flags);
        }
        if (inexact) {
            flags.bits |= FloatFlags.NX;
        }
        return negative ? -magnitude : magnitude;
    }

    private static long invalid(boolean negative, long maxPositive, long maxNegativeMagnitude, FloatFlags flags) {
        flags.bits |= FloatFlags.NV;
        return negative ? -maxNegativeMagnitude : maxPositive;
    }
}
