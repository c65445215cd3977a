package dev.jimg.emulator.fpu;

/**
 * Derives the result of any rounding mode, and the inexact/overflow flags, from the hardware's
 * round-to-nearest-even binary64 result {@code s} and the exact residual {@code exact - s}.
 *
 * <p>Because {@code |exact - s| <= ulp(s)/2}, the exact value lies between {@code s} and its
 * neighbour on the residual's side, so a directed mode either keeps {@code s} or steps one ulp in
 * the residual's direction, and ties-to-away differs from ties-to-even only on an exact tie above
 * {@code |s|} (on a tie below, even {@code s} is already the larger magnitude). Callers guarantee
 * {@code s} is finite with {@code |s| > 2^-1022}, so the exact value is not tiny either and no
 * underflow can be missed; stepping past the largest finite number is the only overflow left.
 */
final class DirectedRounding {
    private DirectedRounding() {}

    /**
     * Error-free transformation: the exact {@code x + y - s} for {@code s = x + y} (finite). This
     * is Dekker's Fast2Sum on the operands ordered by magnitude, which unlike Knuth's branch-free
     * TwoSum cannot overflow in an intermediate step when an operand is near the largest finite
     * number ({@code s - x} is then exact, hence finite).
     */
    static double twoSumError(double x, double y, double s) {
        if (Math.abs(x) < Math.abs(y)) {
            return x - (s - y);
        }
        return y - (s - x);
    }

    /**
     * Result bits for RNE result {@code s} and exact residual {@code e} (which may equal half an ulp
     * exactly: additions, products and fused multiply-adds can be ties).
     */
    static long fromResidual(double s, double e, int rm, FloatFlags flags) {
        if (e == 0) {
            return Double.doubleToRawLongBits(s);
        }
        boolean tieAway = rm == RoundingMode.RMM && (e > 0) == (s > 0) && Math.abs(e) * 2 == Math.ulp(s);
        return step(s, e > 0 ? 1 : -1, tieAway, rm, flags);
    }

    /**
     * Result bits for RNE result {@code s} and the sign of the exact residual, for operations whose
     * exact result is never a binary64 midpoint (quotients, square roots).
     */
    static long fromResidualSign(double s, int residualSign, int rm, FloatFlags flags) {
        if (residualSign == 0) {
            return Double.doubleToRawLongBits(s);
        }
        return step(s, residualSign, false, rm, flags);
    }

    /** The sign of a residual, as {@link #fromResidualSign} and {@link Rounder#roundFromDouble} take it. */
    static int sign(double residual) {
        return residual > 0 ? 1 : residual < 0 ? -1 : 0;
    }

    private static long step(double s, int residualSign, boolean tieAway, int rm, FloatFlags flags) {
        flags.bits |= FloatFlags.NX;
        double r = switch (rm) {
            case RoundingMode.RNE -> s;
            case RoundingMode.RTZ -> (residualSign > 0) != (s > 0) ? towardZero(s) : s;
            case RoundingMode.RDN -> residualSign < 0 ? Math.nextDown(s) : s;
            case RoundingMode.RUP -> residualSign > 0 ? Math.nextUp(s) : s;
            case RoundingMode.RMM -> tieAway ? awayFromZero(s) : s;
            default -> throw new IllegalArgumentException("rounding mode " + rm + " is not one of RNE..RMM");
        };
        if (Double.isInfinite(r)) {
            flags.bits |= FloatFlags.OF;
        }
        return Double.doubleToRawLongBits(r);
    }

    private static double towardZero(double s) {
        return s > 0 ? Math.nextDown(s) : Math.nextUp(s);
    }

    private static double awayFromZero(double s) {
        return s > 0 ? Math.nextUp(s) : Math.nextDown(s);
    }
}
