package dev.jimg.block.util;

import dev.jimg.block.ImageException;
import java.math.BigInteger;

/** Byte counts as qemu-img reads and prints them. */
public final class Sizes {
    public static final long KiB = 1L << 10;
    public static final long MiB = 1L << 20;
    public static final long GiB = 1L << 30;
    public static final long TiB = 1L << 40;

    private static final String SUFFIXES = "BKMGTPE";
    private static final String[] UNIT_NAMES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    private Sizes() {
    }

    /**
     * Parses a size with qemu's optional binary suffix ({@code 512}, {@code 64k}, {@code 1.5G}), or
     * returns -1 if {@code text} is not one. Fractions need a suffix, as in qemu, and count as
     * qemu's {@code do_strtosz} counts them: the fraction read as a double, times the unit,
     * truncated. Plain {@code long} arithmetic: {@code BigDecimal}'s static initialiser alone
     * cost a third of a {@code convert}'s start-up, and a regular expression another few
     * milliseconds.
     */
    public static long tryParse(String text) {
        String s = text.trim();
        int end = s.length();
        if (end == 0) {
            return -1;
        }
        int suffix = SUFFIXES.indexOf(Character.toUpperCase(s.charAt(end - 1)));
        if (suffix >= 0) {
            end--;
        }
        int shift = Math.max(suffix, 0) * 10;
        int dot = s.indexOf('.');
        int intEnd = dot >= 0 && dot < end ? dot : end;
        if (intEnd == 0 || !allDigits(s, 0, intEnd)) {
            return -1;
        }
        double fraction = 0;
        if (intEnd < end) {
            if (shift == 0 || intEnd + 1 == end || !allDigits(s, intEnd + 1, end)) {
                return -1;
            }
            fraction = Double.parseDouble(s.substring(intEnd, end));
        }
        long whole = 0;
        for (int i = 0; i < intEnd; i++) {
            int digit = s.charAt(i) - '0';
            if (whole > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            whole = whole * 10 + digit;
        }
        long unit = 1L << shift;
        long partial = (long) (fraction * unit);
        if (whole > (Long.MAX_VALUE - partial) / unit) {
            return -1;
        }
        return whole * unit + partial;
    }

    private static boolean allDigits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** A size given on the command line (the positional size of {@code create}, {@code resize}). */
    public static long parseImageSize(String text) {
        long v = tryParse(text);
        if (v < 0) {
            throw new ImageException("Invalid image size specified. You may use k, M, G, T, P or E suffixes for"
                    + " kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        }
        return v;
    }

    /** A size given as an {@code -o} option. */
    public static long parseOptionSize(String option, String text) {
        long v = tryParse(text);
        if (v < 0) {
            throw new ImageException("Parameter '" + option + "' expects a non-negative number below 2^64."
                    + " Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta- and exabytes,"
                    + " respectively.");
        }
        return v;
    }

    /**
     * Formats like QEMU's {@code size_to_str}: three significant digits and a binary unit that
     * keeps the integer part below 1000 ({@code 196 KiB}, {@code 1 GiB}, {@code 0.977 KiB}).
     */
    public static String toHuman(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
        double scaled = bytes / (1000.0 / 1024.0);
        int exponent = scaled == 0 ? 0 : Math.getExponent(scaled) + 1; // frexp's exponent
        int unit = Math.max(0, (exponent - 1) / 10);
        double value = (double) bytes / (1L << (unit * 10));
        return formatThreeSignificant(value) + " " + UNIT_NAMES[unit] + "B";
    }

    /**
     * C's {@code %0.3g} as glibc prints it: rounded on the exact binary value, ties to even.
     * ({@link java.util.Formatter}'s {@code %g} rounds the shortest decimal string half-up instead,
     * and differs on ties such as 1.125, which sizes in binary units often are.) Works on the
     * double's integer mantissa and exponent rather than through {@code BigDecimal}, whose static
     * initialiser alone costs more than the rest of {@code jimg info}.
     */
    static String formatThreeSignificant(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("not a finite number: " + value);
        }
        if (value == 0) {
            return "0";
        }
        if (value < 0) {
            return "-" + formatThreeSignificant(-value);
        }
        // Find the decimal exponent whose three digits the rounded value has; log10 may be one off.
        int exponent10 = (int) Math.floor(Math.log10(value));
        long digits;
        while (true) {
            digits = roundHalfEven(value, 2 - exponent10).longValueExact();
            if (digits >= 1000) {
                exponent10++;
            } else if (digits < 100) {
                exponent10--;
            } else {
                break;
            }
        }
        // StringBuilder rather than '+': each shape of string concatenation is a class generated
        // on first use, and "0.989 GiB" is seldom the shape the AOT training run saw (startup.md).
        String d = Long.toString(digits);
        StringBuilder b = new StringBuilder(12);
        if (exponent10 < -4 || exponent10 >= 3) {
            b.append(d.charAt(0)).append('.').append(d, 1, d.length());
            stripFraction(b);
            int e = Math.abs(exponent10);
            return b.append('e').append(exponent10 < 0 ? '-' : '+').append(e < 10 ? "0" : "").append(e).toString();
        }
        if (exponent10 >= 0) {
            b.append(d, 0, exponent10 + 1).append('.').append(d, exponent10 + 1, d.length());
        } else {
            b.append("0.").repeat('0', -exponent10 - 1).append(d);
        }
        return stripFraction(b).toString();
    }

    /**
     * C's {@code %.Nf} as glibc prints it: rounded on the exact binary value, ties to even
     * ({@code 0.125} → {@code 0.12}, where {@link java.util.Formatter} says {@code 0.13}). Also
     * cheaper at start-up than {@code String.format}, whose first {@code %f} loads the locale
     * providers.
     */
    public static String toFixed(double value, int decimals) {
        if (Double.isNaN(value) || Double.isInfinite(value) || decimals < 0 || decimals > 18) {
            throw new IllegalArgumentException("cannot print " + value + " with " + decimals + " decimals");
        }
        StringBuilder b = new StringBuilder(24);
        if (value < 0 || (value == 0 && 1 / value < 0)) {
            b.append('-');
            value = -value;
        }
        String digits = roundHalfEven(value, decimals).toString();
        int integerDigits = digits.length() - decimals;
        if (integerDigits <= 0) {
            b.append('0');
            if (decimals > 0) {
                b.append('.').repeat('0', -integerDigits).append(digits);
            }
        } else {
            b.append(digits, 0, integerDigits);
            if (decimals > 0) {
                b.append('.').append(digits, integerDigits, digits.length());
            }
        }
        return b.toString();
    }

    /**
     * {@code value * 10^exponent10} (value finite and not negative), rounded to an integer with
     * ties to even, computed exactly on the double's integer mantissa and binary exponent.
     */
    private static BigInteger roundHalfEven(double value, int exponent10) {
        long bits = Double.doubleToRawLongBits(value);
        int biasedExponent = (int) (bits >>> 52) & 0x7ff;
        long mantissa = bits & ((1L << 52) - 1);
        int exponent2 = -1074; // subnormal: value = mantissa * 2^-1074
        if (biasedExponent != 0) {
            mantissa |= 1L << 52;
            exponent2 = biasedExponent - 1075;
        }
        BigInteger numerator = BigInteger.valueOf(mantissa);
        BigInteger denominator = BigInteger.ONE;
        if (exponent10 >= 0) {
            numerator = numerator.multiply(BigInteger.TEN.pow(exponent10));
        } else {
            denominator = BigInteger.TEN.pow(-exponent10);
        }
        if (exponent2 >= 0) {
            numerator = numerator.shiftLeft(exponent2);
        } else {
            denominator = denominator.shiftLeft(-exponent2);
        }
        BigInteger[] qr = numerator.divideAndRemainder(denominator);
        int half = qr[1].shiftLeft(1).compareTo(denominator);
        return half > 0 || (half == 0 && qr[0].testBit(0)) ? qr[0].add(BigInteger.ONE) : qr[0];
    }

    /** {@code %g} without the {@code #} flag: no trailing zeros after the point, and no bare point. */
    private static StringBuilder stripFraction(StringBuilder s) {
        int point = s.indexOf(".");
        if (point < 0) {
            return s;
        }
        int end = s.length();
        while (end > point + 1 && s.charAt(end - 1) == '0') {
            end--;
        }
        s.setLength(end == point + 1 ? point : end);
        return s;
    }

    /** Rounds {@code value} up to a multiple of {@code alignment} (a power of two). */
    public static long alignUp(long value, long alignment) {
        return Math.addExact(value, alignment - 1) & -alignment;
    }

    public static long alignDown(long value, long alignment) {
        return value & -alignment;
    }

    public static boolean isPowerOfTwo(long value) {
        return value > 0 && (value & (value - 1)) == 0;
    }
}
