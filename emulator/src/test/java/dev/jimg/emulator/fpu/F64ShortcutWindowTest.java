package dev.jimg.emulator.fpu;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Aims operands of {@link F64} at the edges of the exponent windows inside which it trusts the
 * hardware's error-free transformations (products and dividends around 2^-968, ErrFma's
 * [-960, 1020] window, the underflow and overflow thresholds), where an off-by-one in a window
 * bound would show, and compares with the {@link Oracle} in every rounding mode.
 */
class F64ShortcutWindowTest {
    private static final int CASES = 20_000;

    /** A normal binary64 with the given exponent (clamped to the normal range) and a varied significand. */
    private static long normal(SplittableRandom r, int exponent) {
        long fraction = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> -1L;
            case 2 -> r.nextLong() & (-1L << (52 - r.nextInt(6))); // few significant bits
            default -> r.nextLong();
        } & ((1L << 52) - 1);
        int biased = Math.clamp(exponent + 1023, 1, 2046);
        return (r.nextBoolean() ? Long.MIN_VALUE : 0) | ((long) biased << 52) | fraction;
    }

    private static int near(SplittableRandom r, int[] edges, int spread) {
        return edges[r.nextInt(edges.length)] + r.nextInt(2 * spread + 1) - spread;
    }

    @Test
    void fusedMultiplyAddAgreesAtTheEdgesOfTheErrFmaWindow() {
        int[] edges = {-1022, -969, -960, 0, 1020, 1023};
        Differential.run("F64.mulAdd@window", Format.B64, Format.B64, CASES, true, g -> {
            SplittableRandom r = new SplittableRandom(g.any());
            int productExponent = near(r, edges, 5);
            int ea = r.nextInt(-500, 500);
            long a = normal(r, ea);
            long b = normal(r, productExponent - ea);
            double p = Double.longBitsToDouble(a) * Double.longBitsToDouble(b);
            long c = switch (r.nextInt(4)) {
                case 0, 1 -> Double.isInfinite(p) || p == 0 ? normal(r, productExponent)
                        : Double.doubleToRawLongBits(-p) + r.nextInt(5) - 2; // cancellation
                case 2 -> normal(r, productExponent - 53 + r.nextInt(5) - 2); // at the rounding point
                default -> normal(r, near(r, edges, 5));
            };
            return new long[] {a, b, c};
        }, (x, rm, f) -> F64.mulAdd(x[0], x[1], x[2], rm, f), (o, x, rm) -> o.mulAdd(Format.B64, x[0], x[1], x[2], rm));
    }

    @Test
    void multiplicationAgreesAroundTheExactResidualBound() {
        int[] edges = {-1075, -1022, -968, 1023};
        Differential.run("F64.mul@window", Format.B64, Format.B64, CASES, true, g -> {
            SplittableRandom r = new SplittableRandom(g.any());
            int productExponent = near(r, edges, 2);
            int ea = r.nextInt(-1022, 1023);
            return new long[] {normal(r, ea), normal(r, productExponent - ea)};
        }, (x, rm, f) -> F64.mul(x[0], x[1], rm, f), (o, x, rm) -> o.mul(Format.B64, x[0], x[1], rm));
    }

    @Test
    void divisionAgreesAroundTheExactRemainderBound() {
        int[] edges = {-1075, -1022, -968, 1023};
        Differential.run("F64.div@window", Format.B64, Format.B64, CASES, true, g -> {
            SplittableRandom r = new SplittableRandom(g.any());
            int quotientExponent = near(r, edges, 2);
            int ea = r.nextBoolean() ? r.nextInt(-1022, 1023) : -968 + r.nextInt(5) - 2;
            return new long[] {normal(r, ea), normal(r, ea - quotientExponent)};
        }, (x, rm, f) -> F64.div(x[0], x[1], rm, f), (o, x, rm) -> o.div(Format.B64, x[0], x[1], rm));
    }

    @Test
    void squareRootAgreesAroundTheExactRemainderBound() {
        Differential.run("F64.sqrt@window", Format.B64, Format.B64, CASES, true, g -> {
            SplittableRandom r = new SplittableRandom(g.any());
            return new long[] {normal(r, -968 + r.nextInt(9) - 4) & Long.MAX_VALUE};
        }, (x, rm, f) -> F64.sqrt(x[0], rm, f), (o, x, rm) -> o.sqrt(Format.B64, x[0], rm));
    }
}
