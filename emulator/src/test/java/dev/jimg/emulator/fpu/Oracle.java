package dev.jimg.emulator.fpu;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Reference model of the RISC-V F/D operations: exact rational arithmetic with
 * {@link BigInteger}, rounded by the IEEE 754 definitions (round the exact value; tiny when the
 * value rounded with unbounded exponent is below 2^emin; overflow when that unbounded rounding
 * exceeds the largest finite number), and the special-value rules spelled out case by case from
 * the ISA text. Slow, obvious, and sharing no code with the production classes.
 *
 * <p>Results are {@code long} bit patterns (binary32 in the low 32 bits) or integers; the flags of
 * the last call are in {@link #flags}.
 */
final class Oracle {
    static final int NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;
    static final int RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4;

    int flags;

    // ------------------------------------------------------------------ exact positive rationals

    /** A non-zero exact result {@code ±num/den}, with its binade found once for all modes. */
    static final class Exact {
        final boolean negative;
        final BigInteger num;
        final BigInteger den;
        final int log2; // floor(log2(num/den))

        Exact(boolean negative, BigInteger num, BigInteger den) {
            if (num.signum() <= 0 || den.signum() <= 0) {
                throw new IllegalArgumentException("Exact needs a positive num/den, got " + num + "/" + den);
            }
            this.negative = negative;
            this.num = num;
            this.den = den;
            int e = num.bitLength() - den.bitLength();
            if (compareWithPowerOfTwo(e) < 0) {
                e--;
            }
            this.log2 = e;
        }

        static Exact dyadic(BigInteger signedNum, int scale) {
            BigInteger m = signedNum.abs();
            return scale >= 0 ? new Exact(signedNum.signum() < 0, m.shiftLeft(scale), BigInteger.ONE)
                    : new Exact(signedNum.signum() < 0, m, BigInteger.ONE.shiftLeft(-scale));
        }

        private int compareWithPowerOfTwo(int e) {
            return e >= 0 ? num.compareTo(den.shiftLeft(e)) : num.shiftLeft(-e).compareTo(den);
        }

        /** Division results by quantum exponent: each mode and both roundings reuse them. */
        private final java.util.Map<Integer, BigInteger[]> divisions = new java.util.HashMap<>();

        /** The value divided by 2^q, rounded to an integer in mode rm; sets inexact[0]. */
        BigInteger roundedMultiple(int q, int rm, boolean[] inexact) {
            BigInteger[] qr = divisions.computeIfAbsent(q, key -> {
                BigInteger n = num;
                BigInteger d = den;
                if (key >= 0) {
                    d = d.shiftLeft(key);
                } else {
                    n = n.shiftLeft(-key);
                }
                BigInteger[] r = n.divideAndRemainder(d);
                // {floor, sign of (2 * remainder - divisor), remainder sign}
                return new BigInteger[] {r[0], BigInteger.valueOf(r[1].shiftLeft(1).compareTo(d)),
                        BigInteger.valueOf(r[1].signum())};
            });
            BigInteger m = qr[0];
            if (qr[2].signum() == 0) {
                inexact[0] = false;
                return m;
            }
            inexact[0] = true;
            int half = qr[1].intValue();
            boolean up = switch (rm) {
                case RNE -> half > 0 || (half == 0 && m.testBit(0));
                case RTZ -> false;
                case RDN -> negative;
                case RUP -> !negative;
                case RMM -> half >= 0;
                default -> throw new IllegalArgumentException("mode " + rm);
            };
            return up ? m.add(BigInteger.ONE) : m;
        }
    }

    /** The previous exact value, whose divisions are reused when the same value is rounded again. */
    private Exact last;

    /** Rounds a non-zero exact value to {@code fmt}, setting {@link #flags}. */
    long round(Format fmt, Exact x, int rm) {
        if (last != null && last.negative == x.negative && last.num.equals(x.num) && last.den.equals(x.den)) {
            x = last;
        } else {
            last = x;
        }
        boolean[] inexact = new boolean[1];
        int qUnbounded = x.log2 - (fmt.p - 1);
        BigInteger mu = x.roundedMultiple(qUnbounded, rm, inexact);
        boolean tiny = mu.bitLength() - 1 + qUnbounded < fmt.emin;
        boolean overflow = mu.bitLength() - 1 + qUnbounded > fmt.emax;
        long sign = x.negative ? fmt.signBit : 0;
        if (overflow) {
            flags |= OF | NX;
            boolean toInfinity = switch (rm) {
                case RNE, RMM -> true;
                case RTZ -> false;
                case RDN -> x.negative;
                case RUP -> !x.negative;
                default -> throw new IllegalArgumentException("mode " + rm);
            };
            return sign | (toInfinity ? fmt.infinity : fmt.maxFinite);
        }
        int q = Math.max(x.log2, fmt.emin) - (fmt.p - 1);
        BigInteger m = x.roundedMultiple(q, rm, inexact);
        if (inexact[0]) {
            flags |= NX;
            if (tiny) {
                flags |= UF;
            }
        }
        return sign | encode(fmt, m.longValueExact(), q);
    }

    /** Bits of the representable magnitude m * 2^q, via the JDK's exact power-of-two scaling. */
    private static long encode(Format fmt, long m, int q) {
        if (fmt == Format.B32) {
            return Float.floatToRawIntBits(Math.scalb((float) m, q)) & 0xffff_ffffL;
        }
        return Double.doubleToRawLongBits(Math.scalb((double) m, q));
    }

    private long roundOrZero(Format fmt, BigInteger signedNum, int scale, boolean zeroNegative, int rm) {
        if (signedNum.signum() == 0) {
            return zeroNegative ? fmt.signBit : 0;
        }
        return round(fmt, Exact.dyadic(signedNum, scale), rm);
    }

    // ------------------------------------------------------------------ arithmetic

    private long nanResult(Format fmt, long... operands) {
        for (long o : operands) {
            if (fmt.isSignalingNaN(o)) {
                flags |= NV;
            }
        }
        return fmt.canonicalNaN;
    }

    private long invalid(Format fmt) {
        flags |= NV;
        return fmt.canonicalNaN;
    }

    long add(Format fmt, long a, long b, int rm) {
        flags = 0;
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            return nanResult(fmt, a, b);
        }
        if (fmt.isInfinite(a) && fmt.isInfinite(b)) {
            return fmt.negative(a) == fmt.negative(b) ? a : invalid(fmt);
        }
        if (fmt.isInfinite(a)) {
            return a;
        }
        if (fmt.isInfinite(b)) {
            return b;
        }
        int s = Math.min(fmt.scale(a), fmt.scale(b));
        BigInteger sum = fmt.signedSignificand(a).shiftLeft(fmt.scale(a) - s)
                .add(fmt.signedSignificand(b).shiftLeft(fmt.scale(b) - s));
        boolean zeroNegative = fmt.negative(a) == fmt.negative(b) ? fmt.negative(a) : rm == RDN;
        return roundOrZero(fmt, sum, s, zeroNegative, rm);
    }

    long sub(Format fmt, long a, long b, int rm) {
        return add(fmt, a, b ^ fmt.signBit, rm);
    }

    long mul(Format fmt, long a, long b, int rm) {
        flags = 0;
        boolean negative = fmt.negative(a) != fmt.negative(b);
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            return nanResult(fmt, a, b);
        }
        if (fmt.isInfinite(a) || fmt.isInfinite(b)) {
            if (fmt.isZero(a) || fmt.isZero(b)) {
                return invalid(fmt);
            }
            return (negative ? fmt.signBit : 0) | fmt.infinity;
        }
        BigInteger product = fmt.signedSignificand(a).multiply(fmt.signedSignificand(b));
        return roundOrZero(fmt, product, fmt.scale(a) + fmt.scale(b), negative, rm);
    }

    long div(Format fmt, long a, long b, int rm) {
        flags = 0;
        boolean negative = fmt.negative(a) != fmt.negative(b);
        long sign = negative ? fmt.signBit : 0;
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            return nanResult(fmt, a, b);
        }
        if (fmt.isInfinite(a)) {
            return fmt.isInfinite(b) ? invalid(fmt) : sign | fmt.infinity;
        }
        if (fmt.isInfinite(b)) {
            return sign;
        }
        if (fmt.isZero(b)) {
            if (fmt.isZero(a)) {
                return invalid(fmt);
            }
            flags |= DZ;
            return sign | fmt.infinity;
        }
        if (fmt.isZero(a)) {
            return sign;
        }
        BigInteger num = fmt.significand(a);
        BigInteger den = fmt.significand(b);
        int scale = fmt.scale(a) - fmt.scale(b);
        if (scale >= 0) {
            num = num.shiftLeft(scale);
        } else {
            den = den.shiftLeft(-scale);
        }
        return round(fmt, new Exact(negative, num, den), rm);
    }

    long sqrt(Format fmt, long a, int rm) {
        flags = 0;
        if (fmt.isNaN(a)) {
            return nanResult(fmt, a);
        }
        if (fmt.isZero(a)) {
            return a;
        }
        if (fmt.negative(a)) {
            return invalid(fmt);
        }
        if (fmt.isInfinite(a)) {
            return a;
        }
        BigInteger m = fmt.significand(a);
        int e = fmt.scale(a);
        if ((e & 1) != 0) {
            m = m.shiftLeft(1);
            e--;
        }
        // sqrt(m * 2^e) = sqrt(m * 4^k) * 2^(e/2 - k); take k so the integer root has p+3 bits or
        // more, then (2S+1)/2 stands for an inexact root: it lies strictly between the same
        // rounding boundaries as the true root.
        int k = Math.max(0, fmt.p + 4 - m.bitLength() / 2);
        BigInteger scaled = m.shiftLeft(2 * k);
        BigInteger root = scaled.sqrt();
        boolean exact = root.multiply(root).equals(scaled);
        if (exact) {
            return round(fmt, Exact.dyadic(root, e / 2 - k), rm);
        }
        return round(fmt, Exact.dyadic(root.shiftLeft(1).add(BigInteger.ONE), e / 2 - k - 1), rm);
    }

    long mulAdd(Format fmt, long a, long b, long c, int rm) {
        flags = 0;
        boolean infTimesZero = (fmt.isInfinite(a) && fmt.isZero(b)) || (fmt.isZero(a) && fmt.isInfinite(b));
        if (fmt.isNaN(a) || fmt.isNaN(b) || fmt.isNaN(c)) {
            if (infTimesZero) {
                flags |= NV; // RISC-V: inf * 0 + qNaN is invalid too
            }
            return nanResult(fmt, a, b, c);
        }
        if (infTimesZero) {
            return invalid(fmt);
        }
        boolean productNegative = fmt.negative(a) != fmt.negative(b);
        if (fmt.isInfinite(a) || fmt.isInfinite(b)) {
            if (fmt.isInfinite(c) && fmt.negative(c) != productNegative) {
                return invalid(fmt);
            }
            return (productNegative ? fmt.signBit : 0) | fmt.infinity;
        }
        if (fmt.isInfinite(c)) {
            return c;
        }
        int productScale = fmt.scale(a) + fmt.scale(b);
        BigInteger product = fmt.signedSignificand(a).multiply(fmt.signedSignificand(b));
        int s = Math.min(productScale, fmt.scale(c));
        BigInteger sum = product.shiftLeft(productScale - s).add(fmt.signedSignificand(c).shiftLeft(fmt.scale(c) - s));
        boolean zeroNegative = productNegative == fmt.negative(c) ? productNegative : rm == RDN;
        return roundOrZero(fmt, sum, s, zeroNegative, rm);
    }

    // ------------------------------------------------------------------ min, max, compare, class

    /** Exact comparison of finite values as dyadic rationals (-0 equals +0). */
    private int compare(Format fmt, long a, long b) {
        int s = Math.min(fmt.scale(a), fmt.scale(b));
        return fmt.signedSignificand(a).shiftLeft(fmt.scale(a) - s)
                .compareTo(fmt.signedSignificand(b).shiftLeft(fmt.scale(b) - s));
    }

    long minMax(Format fmt, long a, long b, boolean max) {
        flags = 0;
        if (fmt.isSignalingNaN(a) || fmt.isSignalingNaN(b)) {
            flags |= NV;
        }
        if (fmt.isNaN(a) && fmt.isNaN(b)) {
            return fmt.canonicalNaN;
        }
        if (fmt.isNaN(a)) {
            return b;
        }
        if (fmt.isNaN(b)) {
            return a;
        }
        int cmp = infAwareCompare(fmt, a, b);
        if (cmp == 0 && fmt.isZero(a)) { // -0 is smaller than +0 here
            cmp = Boolean.compare(!fmt.negative(a), !fmt.negative(b));
        }
        if (max) {
            return cmp >= 0 ? a : b;
        }
        return cmp <= 0 ? a : b;
    }

    private int infAwareCompare(Format fmt, long a, long b) {
        int ra = rank(fmt, a);
        int rb = rank(fmt, b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        return ra == 0 ? compare(fmt, a, b) : 0;
    }

    /** -1 for -inf, +1 for +inf, 0 for finite. */
    private static int rank(Format fmt, long x) {
        if (!fmt.isInfinite(x)) {
            return 0;
        }
        return fmt.negative(x) ? -1 : 1;
    }

    boolean eq(Format fmt, long a, long b) {
        flags = 0;
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            if (fmt.isSignalingNaN(a) || fmt.isSignalingNaN(b)) {
                flags |= NV;
            }
            return false;
        }
        return infAwareCompare(fmt, a, b) == 0;
    }

    boolean lt(Format fmt, long a, long b) {
        flags = 0;
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            flags |= NV;
            return false;
        }
        return infAwareCompare(fmt, a, b) < 0;
    }

    boolean le(Format fmt, long a, long b) {
        flags = 0;
        if (fmt.isNaN(a) || fmt.isNaN(b)) {
            flags |= NV;
            return false;
        }
        return infAwareCompare(fmt, a, b) <= 0;
    }

    int classify(Format fmt, long a) {
        boolean neg = fmt.negative(a);
        if (fmt.isNaN(a)) {
            return fmt.isSignalingNaN(a) ? 1 << 8 : 1 << 9;
        }
        if (fmt.isInfinite(a)) {
            return neg ? 1 : 1 << 7;
        }
        if (fmt.isZero(a)) {
            return neg ? 1 << 3 : 1 << 4;
        }
        if (fmt.biasedExponent(a) == 0) {
            return neg ? 1 << 2 : 1 << 5;
        }
        return neg ? 1 << 1 : 1 << 6;
    }

    // ------------------------------------------------------------------ conversions

    /** Float-to-integer with the ISA's table of invalid inputs; min/max are the destination bounds. */
    BigInteger toInteger(Format fmt, long a, int rm, BigInteger min, BigInteger max) {
        flags = 0;
        if (fmt.isNaN(a)) {
            flags |= NV;
            return max;
        }
        if (fmt.isInfinite(a)) {
            flags |= NV;
            return fmt.negative(a) ? min : max;
        }
        BigDecimal v;
        if (!fmt.isZero(a) && fmt.significand(a).bitLength() + fmt.scale(a) <= -2) {
            // Below 1/4 in magnitude every mode gives the same as for ±1/8; that stand-in spares
            // BigDecimal the thousand-digit expansion of a tiny binary fraction.
            v = new BigDecimal(fmt.negative(a) ? "-0.125" : "0.125");
        } else {
            v = fmt.exact(a);
        }
        java.math.RoundingMode mode = switch (rm) {
            case RNE -> java.math.RoundingMode.HALF_EVEN;
            case RTZ -> java.math.RoundingMode.DOWN;
            case RDN -> java.math.RoundingMode.FLOOR;
            case RUP -> java.math.RoundingMode.CEILING;
            case RMM -> java.math.RoundingMode.HALF_UP;
            default -> throw new IllegalArgumentException("mode " + rm);
        };
        BigInteger r = v.setScale(0, mode).toBigIntegerExact();
        if (r.compareTo(min) < 0) {
            flags |= NV;
            return min;
        }
        if (r.compareTo(max) > 0) {
            flags |= NV;
            return max;
        }
        if (new BigDecimal(r).compareTo(v) != 0) {
            flags |= NX;
        }
        return r;
    }

    long fromInteger(Format fmt, BigInteger v, int rm) {
        flags = 0;
        return roundOrZero(fmt, v, 0, false, rm);
    }

    /** Conversion between the formats (either direction). */
    long convert(Format from, Format to, long a, int rm) {
        flags = 0;
        if (from.isNaN(a)) {
            nanResult(from, a);
            return to.canonicalNaN;
        }
        long sign = from.negative(a) ? to.signBit : 0;
        if (from.isInfinite(a)) {
            return sign | to.infinity;
        }
        if (from.isZero(a)) {
            return sign;
        }
        return round(to, Exact.dyadic(from.signedSignificand(a), from.scale(a)), rm);
    }
}
