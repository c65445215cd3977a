package dev.jimg.emulator.fpu;

/**
 * The two IEEE 754 interchange formats of the F and D extensions, described by the parameters the
 * shared rounding code needs. Bit patterns of binary32 travel in the low 32 bits of a {@code long}.
 */
enum BinaryFormat {
    /** binary32: 24-bit significand (23 stored), 8-bit exponent. */
    BINARY32(24, 8),
    /** binary64: 53-bit significand (52 stored), 11-bit exponent. */
    BINARY64(53, 11);

    /** Significand precision p, counting the implicit leading bit. */
    final int precision;
    /** Exponent bias; also emax. */
    final int bias;
    /** Exponent of the smallest normal number, 1 - bias. */
    final int emin;
    /** Exponent of the largest finite number. */
    final int emax;
    final long signBit;
    final long infinity;
    final long maxFinite;
    final long canonicalNaN;

    BinaryFormat(int precision, int exponentBits) {
        this.precision = precision;
        this.bias = (1 << (exponentBits - 1)) - 1;
        this.emax = bias;
        this.emin = 1 - bias;
        this.signBit = 1L << (precision + exponentBits - 1);
        this.infinity = ((1L << exponentBits) - 1) << (precision - 1);
        this.maxFinite = infinity - 1;
        this.canonicalNaN = infinity | (1L << (precision - 2));
    }
}
