package dev.jimg.emulator.fpu;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Test-side description of binary32/binary64 and exact decoding of bit patterns, written
 * independently of the production {@code BinaryFormat}/{@code Rounder} so that the oracle shares
 * no code with what it checks. binary32 patterns travel in the low 32 bits of a {@code long}.
 */
enum Format {
    B32(24, 8), B64(53, 11);

    final int p;
    final int bias;
    final int emin;
    final int emax;
    final int width;
    final long signBit;
    final long infinity;
    final long maxFinite;
    final long canonicalNaN;
    final long quietBit;
    final long fractionMask;

    Format(int p, int exponentBits) {
        this.p = p;
        this.bias = (1 << (exponentBits - 1)) - 1;
        this.emin = 1 - bias;
        this.emax = bias;
        this.width = p + exponentBits;
        this.signBit = 1L << (width - 1);
        this.fractionMask = (1L << (p - 1)) - 1;
        this.infinity = ((1L << exponentBits) - 1) << (p - 1);
        this.maxFinite = infinity - 1;
        this.quietBit = 1L << (p - 2);
        this.canonicalNaN = infinity | quietBit;
    }

    long mask() {
        return width == 64 ? -1L : (1L << width) - 1;
    }

    boolean negative(long bits) {
        return (bits & signBit) != 0;
    }

    boolean isNaN(long bits) {
        return (bits & ~signBit & mask()) > infinity;
    }

    boolean isSignalingNaN(long bits) {
        return isNaN(bits) && (bits & quietBit) == 0;
    }

    boolean isInfinite(long bits) {
        return (bits & ~signBit & mask()) == infinity;
    }

    boolean isZero(long bits) {
        return (bits & ~signBit & mask()) == 0;
    }

    int biasedExponent(long bits) {
        return (int) ((bits & ~signBit & mask()) >>> (p - 1));
    }

    /** Integer significand M of a finite value, so that |value| = M * 2^{@link #scale}. */
    BigInteger significand(long bits) {
        long frac = bits & fractionMask;
        return BigInteger.valueOf(biasedExponent(bits) == 0 ? frac : frac | (1L << (p - 1)));
    }

    int scale(long bits) {
        return Math.max(biasedExponent(bits), 1) - bias - (p - 1);
    }

    /** The exact value of a finite pattern (zero loses its sign). */
    BigDecimal exact(long bits) {
        BigDecimal m = new BigDecimal(significand(bits));
        int s = scale(bits);
        BigDecimal v = s >= 0 ? m.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(s)))
                : m.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-s)));
        return negative(bits) ? v.negate() : v;
    }

    /** Exact finite value as a signed dyadic: numerator (signed) times 2^scale. */
    BigInteger signedSignificand(long bits) {
        BigInteger m = significand(bits);
        return negative(bits) ? m.negate() : m;
    }

    String hex(long bits) {
        return width == 32 ? String.format("0x%08x", bits & 0xffff_ffffL) : String.format("0x%016x", bits);
    }
}
