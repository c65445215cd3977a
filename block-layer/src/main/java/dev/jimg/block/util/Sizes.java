package dev.jimg.block.util;

import dev.jimg.block.ImageException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

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
     * returns -1 if {@code text} is not one. Fractions need a suffix, as in qemu.
     */
    public static long tryParse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            return -1;
        }
        int shift = 0;
        char last = Character.toUpperCase(s.charAt(s.length() - 1));
        int suffix = SUFFIXES.indexOf(last);
        boolean hasSuffix = suffix >= 0;
        if (hasSuffix) {
            shift = suffix * 10;
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || !s.matches("[0-9]+(\\.[0-9]+)?")) {
            return -1;
        }
        if (s.contains(".") && (!hasSuffix || shift == 0)) {
            return -1;
        }
        BigDecimal value = new BigDecimal(s).multiply(BigDecimal.valueOf(2).pow(shift));
        value = value.setScale(0, RoundingMode.DOWN);
        if (value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return -1;
        }
        return value.longValueExact();
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

    /** C's {@code %0.3g}. */
    static String formatThreeSignificant(double value) {
        if (value == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(3, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= 3) {
            BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
            return mantissa.toPlainString() + "e" + (exponent < 0 ? "-" : "+")
                    + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
        }
        return rounded.stripTrailingZeros().toPlainString();
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
