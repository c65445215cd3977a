package dev.jimg.emulator.fpu;

import java.math.BigInteger;
import java.util.SplittableRandom;

/**
 * Random operands for the differential tests, drawn from a distribution that is rich in the cases
 * where floating-point implementations go wrong: signed zeros, subnormals, the normal/subnormal
 * boundary, the largest finite numbers, infinities, quiet and signalling NaNs with payloads,
 * significands with few bits (exact results and exact ties), and second operands built from the
 * first: its negation give or take a few ulps (cancellation), values half an ulp and a little
 * more or less below it (ties and sticky bits), and exponents that put products and quotients
 * right at the overflow and underflow thresholds.
 */
final class Operands {
    private final Format fmt;
    private final SplittableRandom random;

    Operands(Format fmt, long seed) {
        this.fmt = fmt;
        this.random = new SplittableRandom(seed);
    }

    private long bits(boolean negative, int biasedExponent, long fraction) {
        return (negative ? fmt.signBit : 0) | ((long) biasedExponent << (fmt.p - 1)) | (fraction & fmt.fractionMask);
    }

    private boolean coin() {
        return random.nextBoolean();
    }

    private long randomFraction() {
        return switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> fmt.fractionMask; // all ones
            case 2 -> random.nextLong() & fmt.fractionMask & (-1L << (fmt.p - 1 - 1 - random.nextInt(4))); // few top bits
            case 3 -> 1L << random.nextInt(fmt.p - 1); // a single bit
            default -> random.nextLong() & fmt.fractionMask;
        };
    }

    /** A finite non-zero value with the given unbiased exponent (clamped into the format). */
    private long withExponent(boolean negative, int exponent, long fraction) {
        int biased = exponent + fmt.bias;
        if (biased >= 2 * fmt.bias + 1) {
            return negative ? fmt.signBit | fmt.maxFinite : fmt.maxFinite;
        }
        if (biased <= 0) { // subnormal: shift the significand right
            int shift = 1 - biased;
            long m = (fraction | (1L << (fmt.p - 1)));
            m = shift >= 63 ? 0 : m >>> shift;
            if (m == 0) {
                m = 1;
            }
            return bits(negative, 0, m);
        }
        return bits(negative, biased, fraction);
    }

    /** One operand, unrelated to any other. */
    long any() {
        boolean neg = coin();
        int pick = random.nextInt(100);
        if (pick < 5) {
            return neg ? fmt.signBit : 0;
        }
        if (pick < 12) { // subnormal
            long frac = random.nextLong() & fmt.fractionMask;
            frac >>>= random.nextInt(fmt.p - 1);
            return bits(neg, 0, frac == 0 ? 1 : frac);
        }
        if (pick < 17) { // named boundary values and their neighbours
            long base = switch (random.nextInt(5)) {
                case 0 -> 1; // smallest subnormal
                case 1 -> fmt.fractionMask; // largest subnormal
                case 2 -> 1L << (fmt.p - 1); // smallest normal
                case 3 -> fmt.maxFinite;
                default -> (long) fmt.bias << (fmt.p - 1); // 1.0
            };
            long b = base + random.nextInt(5) - 2;
            if (b <= 0 || b > fmt.maxFinite) {
                b = base;
            }
            return (neg ? fmt.signBit : 0) | b;
        }
        if (pick < 21) {
            return (neg ? fmt.signBit : 0) | fmt.infinity;
        }
        if (pick < 24) { // quiet NaN, sometimes canonical
            long payload = coin() ? 0 : random.nextLong() & (fmt.quietBit - 1);
            return (neg ? fmt.signBit : 0) | fmt.canonicalNaN | payload;
        }
        if (pick < 27) { // signalling NaN: quiet bit clear, payload non-zero
            long payload = random.nextLong() & (fmt.quietBit - 1);
            return (neg ? fmt.signBit : 0) | fmt.infinity | (payload == 0 ? 1 : payload);
        }
        if (pick < 42) {
            return random.nextLong() & fmt.mask();
        }
        if (pick < 62) { // moderate magnitudes
            return withExponent(neg, random.nextInt(41) - 20, randomFraction());
        }
        if (pick < 75) { // short significands: exact results, exact ties
            return withExponent(neg, random.nextInt(61) - 30, shortFraction());
        }
        // any finite exponent, with boundary-ish fractions
        return withExponent(neg, random.nextInt(fmt.emax - fmt.emin + fmt.p + 1) + fmt.emin - fmt.p + 1, randomFraction());
    }

    private long shortFraction() {
        long f = 0;
        int bits = 1 + random.nextInt(3);
        for (int i = 0; i < bits; i++) {
            f |= 1L << (fmt.p - 2 - random.nextInt(Math.min(8, fmt.p - 1)));
        }
        return f;
    }

    /** Whether {@code x} is finite and non-zero. */
    private boolean finiteNonZero(long x) {
        return !fmt.isNaN(x) && !fmt.isInfinite(x) && !fmt.isZero(x);
    }

    private int exponentOf(long x) {
        int e = fmt.biasedExponent(x);
        if (e != 0) {
            return e - fmt.bias;
        }
        long frac = x & fmt.fractionMask;
        return fmt.emin - (fmt.p - 1) + (63 - Long.numberOfLeadingZeros(frac));
    }

    /** A second operand of an addition, related to the first one half of the time. */
    long addend(long x) {
        if (!finiteNonZero(x) || random.nextInt(2) == 0) {
            return any();
        }
        long magnitude = x & ~fmt.signBit & fmt.mask();
        boolean neg = fmt.negative(x);
        int e = exponentOf(x);
        return switch (random.nextInt(6)) {
            case 0 -> nudge((neg ? 0 : fmt.signBit) | magnitude); // cancellation
            case 1 -> nudge(x);
            case 2 -> withExponent(coin(), e - fmt.p + random.nextInt(3) - 1, randomFraction()); // near half an ulp
            case 3 -> withExponent(coin(), e - fmt.p - 1 - random.nextInt(fmt.p + 10), randomFraction()); // sticky only
            case 4 -> withExponent(coin(), e - random.nextInt(fmt.p), shortFraction());
            default -> withExponent(coin(), e + random.nextInt(5) - 2, randomFraction());
        };
    }

    /** A second operand of a multiplication or division, steering the result to a threshold. */
    long factor(long x, boolean division) {
        if (!finiteNonZero(x) || random.nextInt(2) == 0) {
            return any();
        }
        int e = exponentOf(x);
        int target = switch (random.nextInt(8)) {
            case 0 -> fmt.emax;
            case 1 -> fmt.emax + 1;
            case 2 -> fmt.emin;
            case 3 -> fmt.emin - 1;
            case 4 -> fmt.emin - fmt.p + random.nextInt(3) - 1;
            case 5 -> fmt.emin - fmt.p / 2;
            case 6 -> 0;
            default -> random.nextInt(fmt.emax - fmt.emin) + fmt.emin;
        };
        int other = division ? e - target : target - e;
        long fraction = switch (random.nextInt(3)) {
            case 0 -> shortFraction();
            case 1 -> fmt.fractionMask - random.nextInt(3);
            default -> randomFraction();
        };
        return withExponent(coin(), other, fraction);
    }

    /** An addend for {@code x * y + c}: often cancelling the product or sitting at its rounding point. */
    long fmaAddend(long x, long y) {
        if (!finiteNonZero(x) || !finiteNonZero(y) || random.nextInt(3) == 0) {
            return any();
        }
        boolean productNegative = fmt.negative(x) != fmt.negative(y);
        int e = exponentOf(x) + exponentOf(y);
        double p = value(x) * value(y); // exact for binary32, nearest for binary64: good enough to aim
        long product = fmt == Format.B32 ? Float.floatToRawIntBits((float) p) & 0xffff_ffffL
                : Double.doubleToRawLongBits(p);
        return switch (random.nextInt(5)) {
            case 0, 1 -> finiteNonZero(product) ? nudge(product ^ fmt.signBit) : any(); // cancellation
            case 2 -> withExponent(!productNegative, e - fmt.p + random.nextInt(3) - 1, randomFraction());
            case 3 -> withExponent(coin(), e - fmt.p - 1 - random.nextInt(2 * fmt.p), randomFraction());
            default -> withExponent(coin(), e + random.nextInt(7) - 3, randomFraction());
        };
    }

    private double value(long x) {
        return fmt == Format.B32 ? Float.intBitsToFloat((int) x) : Double.longBitsToDouble(x);
    }

    /** x moved by a few ulps (staying finite and non-zero in magnitude where possible). */
    private long nudge(long x) {
        long sign = x & fmt.signBit;
        long m = (x & ~fmt.signBit & fmt.mask()) + random.nextInt(7) - 3;
        if (m <= 0 || m > fmt.maxFinite) {
            return x;
        }
        return sign | m;
    }

    /** Operands for float-to-integer conversion: near integers, halves and the destination bounds. */
    long forIntegerConversion() {
        int pick = random.nextInt(10);
        boolean neg = coin();
        if (pick < 3) {
            return any();
        }
        if (pick < 6) { // around a bound 2^31, 2^32, 2^63, 2^64, a few ulps either way
            int[] bounds = {31, 32, 63, 64};
            long base = withExponent(neg, bounds[random.nextInt(4)], 0);
            return nudge(base);
        }
        if (pick < 8) { // small values with fractions: halves, quarters, near-halves
            return withExponent(neg, random.nextInt(8) - 3, coin() ? shortFraction() : randomFraction());
        }
        return withExponent(neg, random.nextInt(70) - 2, randomFraction());
    }

    /** Integers for integer-to-float conversion, as a signed 64-bit value. */
    long integer() {
        return switch (random.nextInt(8)) {
            case 0 -> random.nextInt(7) - 3;
            case 1 -> Long.MIN_VALUE + random.nextInt(3);
            case 2 -> Long.MAX_VALUE - random.nextInt(3);
            case 3 -> (1L << random.nextInt(64)) + random.nextInt(5) - 2;
            case 4 -> -(1L << random.nextInt(64)) + random.nextInt(5) - 2;
            case 5 -> { // exactly representable or a tie: few significant bits at a random position
                long v = (long) (1 + random.nextInt(16)) << random.nextInt(60);
                yield coin() ? v : -v;
            }
            case 6 -> random.nextLong() >> random.nextInt(64);
            default -> random.nextLong();
        };
    }

    static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }
}
