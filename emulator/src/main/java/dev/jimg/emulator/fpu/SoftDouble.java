package dev.jimg.emulator.fpu;

/**
 * Integer-only binary64 addition, multiplication and fused multiply-add for the operand ranges in
 * which {@link F64} cannot prove its hardware shortcut exact: results that overflow, products that
 * are tiny or whose rounding error would itself underflow, and extreme fused multiply-adds.
 *
 * <p>Every method accepts any finite operands (zeros included) and is complete on its own, which
 * lets the tests check it against the exact oracle over the whole range rather than only where
 * {@link F64} falls back to it. Exact zero results follow IEEE 754 §6.3: the sign of a sum of
 * opposite-signed (or cancelling) terms is + except under RDN, where it is -.
 */
final class SoftDouble {
    private static final long SIGN = Long.MIN_VALUE;
    private static final long FRACTION = (1L << 52) - 1;
    private static final long HIDDEN = 1L << 52;
    /** The leading bit of a 128-bit operand of the fused multiply-add (bit 62 of the high word). */
    private static final int FMA_TOP = 126;

    private SoftDouble() {}

    /** {@code a + b} for finite binary64 operands. */
    static long add(long a, long b, int rm, FloatFlags flags) {
        boolean aZero = (a & ~SIGN) == 0;
        boolean bZero = (b & ~SIGN) == 0;
        if (aZero || bZero) {
            if (aZero && bZero) {
                return SpecialCases.zeroSum(BinaryFormat.BINARY64, a, b, rm);
            }
            return aZero ? b : a;
        }
        // Order by magnitude so the difference below is non-negative.
        if ((a & ~SIGN) < (b & ~SIGN)) {
            long t = a;
            a = b;
            b = t;
        }
        int ea = exponent(a);
        int eb = exponent(b);
        long big = significand(a) << 9; // leading bit at 61: room for the carry
        long small = shiftRightJam(significand(b) << 9, ea - eb);
        boolean negative = a < 0;
        long sum = ((a ^ b) < 0) ? big - small : big + small;
        if (sum == 0) {
            return rm == RoundingMode.RDN ? SIGN : 0;
        }
        int shift = Long.numberOfLeadingZeros(sum) - 1;
        return Rounder.roundPack(BinaryFormat.BINARY64, negative, ea + 1 - shift, sum << shift, rm, flags);
    }

    /** {@code a * b} for finite binary64 operands. */
    static long mul(long a, long b, int rm, FloatFlags flags) {
        boolean negative = (a ^ b) < 0;
        if ((a & ~SIGN) == 0 || (b & ~SIGN) == 0) {
            return negative ? SIGN : 0;
        }
        long x = significand(a) << 11; // bit 63
        long y = significand(b) << 10; // bit 62: the 126/127-bit product's top is bit 125 or 126
        long hi = Math.unsignedMultiplyHigh(x, y);
        long lo = x * y;
        int exp = exponent(a) + exponent(b);
        long sig;
        if (hi >= 1L << 62) {
            sig = hi | (lo != 0 ? 1 : 0);
            exp += 1;
        } else {
            sig = (hi << 1) | (lo >>> 63) | ((lo << 1) != 0 ? 1 : 0);
        }
        return Rounder.roundPack(BinaryFormat.BINARY64, negative, exp, sig, rm, flags);
    }

    /** {@code a * b + c} with a single rounding, for finite binary64 operands. */
    static long fma(long a, long b, long c, int rm, FloatFlags flags) {
        boolean productNegative = (a ^ b) < 0;
        boolean cZero = (c & ~SIGN) == 0;
        if ((a & ~SIGN) == 0 || (b & ~SIGN) == 0) {
            long product = productNegative ? SIGN : 0;
            return cZero ? SpecialCases.zeroSum(BinaryFormat.BINARY64, product, c, rm) : c;
        }
        if (cZero) {
            return mul(a, b, rm, flags);
        }
        // Product: exact 106-bit ma*mb, normalised so its leading bit is bit 126 of (ph, pl).
        long ma = significand(a);
        long mb = significand(b);
        long ph = Math.unsignedMultiplyHigh(ma, mb);
        long pl = ma * mb;
        int productLead = 64 + 63 - Long.numberOfLeadingZeros(ph); // 104 or 105
        int up = FMA_TOP - productLead;
        ph = (ph << up) | (pl >>> (64 - up));
        pl <<= up;
        int ep = exponent(a) + exponent(b) + (productLead - 104);
        // Addend: 53-bit significand with its leading bit at 126.
        long ch = significand(c) << (FMA_TOP - 64 - 52);
        long cl = 0;
        int ec = exponent(c);
        boolean cNegative = c < 0;

        long bh, bl, sh, sl;
        int e;
        boolean bigNegative, smallNegative;
        if (ep >= ec) {
            e = ep;
            bh = ph;
            bl = pl;
            bigNegative = productNegative;
            sh = shiftRightHigh(ch, ep - ec);
            sl = shiftRightJamLow(ch, cl, ep - ec);
            smallNegative = cNegative;
        } else {
            e = ec;
            bh = ch;
            bl = cl;
            bigNegative = cNegative;
            sh = shiftRightHigh(ph, ec - ep);
            sl = shiftRightJamLow(ph, pl, ec - ep);
            smallNegative = productNegative;
        }
        boolean negative = bigNegative;
        long rh, rl;
        if (bigNegative == smallNegative) {
            rl = bl + sl;
            rh = bh + sh + (Long.compareUnsigned(rl, bl) < 0 ? 1 : 0);
        } else {
            rl = bl - sl;
            rh = bh - sh - (Long.compareUnsigned(bl, sl) < 0 ? 1 : 0);
            if (rh < 0) { // the shifted term was larger (equal exponents): negate
                rl = -rl;
                rh = ~rh + (rl == 0 ? 1 : 0);
                negative = !negative;
            }
        }
        if ((rh | rl) == 0) {
            return rm == RoundingMode.RDN ? SIGN : 0;
        }
        int lead = rh != 0 ? 127 - Long.numberOfLeadingZeros(rh) : 63 - Long.numberOfLeadingZeros(rl);
        long sig = lead > Rounder.TOP
                ? shiftRightJamLow(rh, rl, lead - Rounder.TOP)
                : rl << (Rounder.TOP - lead);
        return Rounder.roundPack(BinaryFormat.BINARY64, negative, e + lead - FMA_TOP, sig, rm, flags);
    }

    /** Unbiased exponent of the leading significand bit of a finite non-zero value. */
    static int exponent(long bits) {
        int field = (int) (bits >>> 52) & 0x7ff;
        if (field != 0) {
            return field - 1023;
        }
        return -1022 - (Long.numberOfLeadingZeros(bits & FRACTION) - 11);
    }

    /** Significand of a finite non-zero value, normalised so its leading bit is bit 52. */
    static long significand(long bits) {
        if ((bits & 0x7ff0_0000_0000_0000L) != 0) {
            return (bits & FRACTION) | HIDDEN;
        }
        long frac = bits & FRACTION;
        return frac << (Long.numberOfLeadingZeros(frac) - 11);
    }

    /** {@code x >>> n}, with bit 0 set if any set bit was shifted out. */
    static long shiftRightJam(long x, int n) {
        if (n == 0) {
            return x;
        }
        if (n >= 63) {
            return x != 0 ? 1 : 0;
        }
        return (x >>> n) | ((x << (64 - n)) != 0 ? 1 : 0);
    }

    /** High word of the 128-bit {@code (hi, lo) >>> n}. */
    private static long shiftRightHigh(long hi, int n) {
        return n < 64 ? hi >>> n : 0;
    }

    /** Low word of the 128-bit {@code (hi, lo) >>> n}, with bit 0 jammed by any lost set bit. */
    private static long shiftRightJamLow(long hi, long lo, int n) {
        if (n == 0) {
            return lo;
        }
        if (n < 64) {
            return (hi << (64 - n)) | (lo >>> n) | ((lo << (64 - n)) != 0 ? 1 : 0);
        }
        if (n == 64) {
            return hi | (lo != 0 ? 1 : 0);
        }
        if (n < 128) {
            return (hi >>> (n - 64)) | (((hi << (128 - n)) | lo) != 0 ? 1 : 0);
        }
        return (hi | lo) != 0 ? 1 : 0;
    }
}
