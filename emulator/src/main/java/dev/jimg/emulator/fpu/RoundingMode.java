package dev.jimg.emulator.fpu;

/**
 * Rounding modes as RISC-V encodes them in the {@code rm} instruction field and in {@code frm}.
 *
 * <p>Encodings 5 and 6 are reserved and 7 ({@code DYN}) means "use {@code frm}": the CPU resolves
 * {@code DYN} and raises an illegal-instruction exception for reserved values before it calls an
 * arithmetic operation, so the operations accept only the five modes below and reject anything
 * else with an {@link IllegalArgumentException}.
 *
 * @see <a href="https://github.com/riscv/riscv-isa-manual/blob/main/src/f-st-ext.adoc">RISC-V
 *     unprivileged ISA, table "Rounding mode encoding"</a>
 */
public final class RoundingMode {
    /** Round to nearest, ties to even (IEEE roundTiesToEven). */
    public static final int RNE = 0;
    /** Round towards zero (IEEE roundTowardZero). */
    public static final int RTZ = 1;
    /** Round down, towards negative infinity (IEEE roundTowardNegative). */
    public static final int RDN = 2;
    /** Round up, towards positive infinity (IEEE roundTowardPositive). */
    public static final int RUP = 3;
    /** Round to nearest, ties to max magnitude (IEEE roundTiesToAway). */
    public static final int RMM = 4;

    private RoundingMode() {}

    /** Rejects anything but the five defined modes; {@code DYN} must be resolved by the caller. */
    static void check(int rm) {
        if (rm < RNE || rm > RMM) {
            throw new IllegalArgumentException("rounding mode " + rm
                    + " is not one of RNE=0, RTZ=1, RDN=2, RUP=3, RMM=4 (DYN must be resolved from frm first)");
        }
    }

    /** Whether the overflowed result is infinity (rather than the largest finite number). */
    static boolean overflowsToInfinity(int rm, boolean negative) {
        return switch (rm) {
            case RNE, RMM -> true;
            case RTZ -> false;
            case RDN -> negative;
            case RUP -> !negative;
            default -> throw new IllegalArgumentException("rounding mode " + rm + " is not one of RNE..RMM");
        };
    }

    /**
     * Whether a magnitude truncated to {@code kept} units, with a non-zero discarded remainder
     * {@code rem} (in units where {@code half} is half of one unit), is to be incremented.
     */
    static boolean roundsUp(int rm, boolean negative, long kept, long rem, long half) {
        return switch (rm) {
            case RNE -> rem > half || (rem == half && (kept & 1) != 0);
            case RTZ -> false;
            case RDN -> negative;
            case RUP -> !negative;
            case RMM -> rem >= half;
            default -> throw new IllegalArgumentException("rounding mode " + rm + " is not one of RNE..RMM");
        };
    }

    /** The mnemonic, for messages. */
    public static String name(int rm) {
        return switch (rm) {
            case RNE -> "RNE";
            case RTZ -> "RTZ";
            case RDN -> "RDN";
            case RUP -> "RUP";
            case RMM -> "RMM";
            default -> "rm" + rm;
        };
    }
}
