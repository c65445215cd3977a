package dev.jimg.emulator.fpu;

import static dev.jimg.emulator.fpu.Format.B32;
import static dev.jimg.emulator.fpu.Format.B64;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * Every binary64 operation against the exact {@link Oracle}, in every rounding mode; the integer
 * fallback {@link SoftDouble} is also checked on its own over the whole finite range, not only
 * where {@link F64} hands over to it.
 */
class F64DifferentialTest {
    private static final int ARITHMETIC_CASES = 60_000;
    private static final int CASES = 40_000;

    private static long[] pair(long a, Operands g) {
        return new long[] {a, g.addend(a)};
    }

    private static long[] factors(Operands g, boolean division) {
        long a = g.any();
        return new long[] {a, g.factor(a, division)};
    }

    private static long[] fmaOperands(Operands g) {
        long a = g.any();
        long b = g.factor(a, false);
        return new long[] {a, b, g.fmaAddend(a, b)};
    }

    /** Draws until every operand is finite, for the integer fallback's domain. */
    private static long[] finite(Operands g, java.util.function.Function<Operands, long[]> gen) {
        while (true) {
            long[] x = gen.apply(g);
            boolean ok = true;
            for (long v : x) {
                ok &= !B64.isNaN(v) && !B64.isInfinite(v);
            }
            if (ok) {
                return x;
            }
        }
    }

    @Test
    void addMatchesExactArithmetic() {
        Differential.run("F64.add", B64, B64, ARITHMETIC_CASES, true, g -> pair(g.any(), g),
                (x, rm, f) -> F64.add(x[0], x[1], rm, f),
                (o, x, rm) -> o.add(B64, x[0], x[1], rm));
    }

    @Test
    void subMatchesExactArithmetic() {
        Differential.run("F64.sub", B64, B64, ARITHMETIC_CASES, true, g -> pair(g.any(), g),
                (x, rm, f) -> F64.sub(x[0], x[1], rm, f),
                (o, x, rm) -> o.sub(B64, x[0], x[1], rm));
    }

    @Test
    void mulMatchesExactArithmetic() {
        Differential.run("F64.mul", B64, B64, ARITHMETIC_CASES, true, g -> factors(g, false),
                (x, rm, f) -> F64.mul(x[0], x[1], rm, f),
                (o, x, rm) -> o.mul(B64, x[0], x[1], rm));
    }

    @Test
    void divMatchesExactArithmetic() {
        Differential.run("F64.div", B64, B64, ARITHMETIC_CASES, true, g -> factors(g, true),
                (x, rm, f) -> F64.div(x[0], x[1], rm, f),
                (o, x, rm) -> o.div(B64, x[0], x[1], rm));
    }

    @Test
    void sqrtMatchesExactArithmetic() {
        Differential.run("F64.sqrt", B64, B64, ARITHMETIC_CASES, true, g -> new long[] {g.any()},
                (x, rm, f) -> F64.sqrt(x[0], rm, f),
                (o, x, rm) -> o.sqrt(B64, x[0], rm));
    }

    @Test
    void mulAddMatchesExactArithmetic() {
        Differential.run("F64.mulAdd", B64, B64, ARITHMETIC_CASES, true, F64DifferentialTest::fmaOperands,
                (x, rm, f) -> F64.mulAdd(x[0], x[1], x[2], rm, f),
                (o, x, rm) -> o.mulAdd(B64, x[0], x[1], x[2], rm));
    }

    @Test
    void integerFallbackMatchesExactArithmeticOverTheWholeRange() {
        Differential.run("SoftDouble.add", B64, B64, CASES, true, g -> finite(g, h -> pair(h.any(), h)),
                (x, rm, f) -> SoftDouble.add(x[0], x[1], rm, f),
                (o, x, rm) -> o.add(B64, x[0], x[1], rm));
        Differential.run("SoftDouble.mul", B64, B64, CASES, true, g -> finite(g, h -> factors(h, false)),
                (x, rm, f) -> SoftDouble.mul(x[0], x[1], rm, f),
                (o, x, rm) -> o.mul(B64, x[0], x[1], rm));
        Differential.run("SoftDouble.fma", B64, B64, CASES, true, g -> finite(g, F64DifferentialTest::fmaOperands),
                (x, rm, f) -> SoftDouble.fma(x[0], x[1], x[2], rm, f),
                (o, x, rm) -> o.mulAdd(B64, x[0], x[1], x[2], rm));
    }

    @Test
    void minAndMaxFollowMinimumNumberAndMaximumNumber() {
        Differential.run("F64.min", B64, B64, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> F64.min(x[0], x[1], f),
                (o, x, rm) -> o.minMax(B64, x[0], x[1], false));
        Differential.run("F64.max", B64, B64, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> F64.max(x[0], x[1], f),
                (o, x, rm) -> o.minMax(B64, x[0], x[1], true));
    }

    @Test
    void comparisonsMatchExactOrdering() {
        Differential.run("F64.eq", B64, null, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> F64.eq(x[0], x[1], f) ? 1 : 0,
                (o, x, rm) -> o.eq(B64, x[0], x[1]) ? 1 : 0);
        Differential.run("F64.lt", B64, null, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> F64.lt(x[0], x[1], f) ? 1 : 0,
                (o, x, rm) -> o.lt(B64, x[0], x[1]) ? 1 : 0);
        Differential.run("F64.le", B64, null, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> F64.le(x[0], x[1], f) ? 1 : 0,
                (o, x, rm) -> o.le(B64, x[0], x[1]) ? 1 : 0);
    }

    @Test
    void classifyMatchesTheClassOfEveryOperand() {
        Differential.run("F64.classify", B64, null, CASES, false, g -> new long[] {g.any()},
                (x, rm, f) -> F64.classify(x[0]),
                (o, x, rm) -> o.classify(B64, x[0]));
    }

    @Test
    void floatToIntegerConversionsRoundAndSaturate() {
        BigInteger int32Min = BigInteger.valueOf(Integer.MIN_VALUE);
        BigInteger int32Max = BigInteger.valueOf(Integer.MAX_VALUE);
        BigInteger uint32Max = BigInteger.valueOf(0xffff_ffffL);
        BigInteger int64Min = BigInteger.valueOf(Long.MIN_VALUE);
        BigInteger int64Max = BigInteger.valueOf(Long.MAX_VALUE);
        BigInteger uint64Max = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        Differential.run("F64.toInt32", B64, null, CASES, true, g -> new long[] {g.forIntegerConversion()},
                (x, rm, f) -> F64.toInt32(x[0], rm, f),
                (o, x, rm) -> o.toInteger(B64, x[0], rm, int32Min, int32Max).longValueExact());
        Differential.run("F64.toUInt32", B64, null, CASES, true, g -> new long[] {g.forIntegerConversion()},
                (x, rm, f) -> F64.toUInt32(x[0], rm, f) & 0xffff_ffffL,
                (o, x, rm) -> o.toInteger(B64, x[0], rm, BigInteger.ZERO, uint32Max).longValueExact());
        Differential.run("F64.toInt64", B64, null, CASES, true, g -> new long[] {g.forIntegerConversion()},
                (x, rm, f) -> F64.toInt64(x[0], rm, f),
                (o, x, rm) -> o.toInteger(B64, x[0], rm, int64Min, int64Max).longValueExact());
        Differential.run("F64.toUInt64", B64, null, CASES, true, g -> new long[] {g.forIntegerConversion()},
                (x, rm, f) -> F64.toUInt64(x[0], rm, f),
                (o, x, rm) -> o.toInteger(B64, x[0], rm, BigInteger.ZERO, uint64Max).longValue());
    }

    @Test
    void integerToFloatConversionsRound() {
        Differential.run("F64.fromInt32", B64, B64, CASES, true, g -> new long[] {(int) g.integer()},
                (x, rm, f) -> F64.fromInt32((int) x[0], rm, f),
                (o, x, rm) -> o.fromInteger(B64, BigInteger.valueOf((int) x[0]), rm));
        Differential.run("F64.fromUInt32", B64, B64, CASES, true, g -> new long[] {g.integer()},
                (x, rm, f) -> F64.fromUInt32((int) x[0], rm, f),
                (o, x, rm) -> o.fromInteger(B64, BigInteger.valueOf(x[0] & 0xffff_ffffL), rm));
        Differential.run("F64.fromInt64", B64, B64, CASES, true, g -> new long[] {g.integer()},
                (x, rm, f) -> F64.fromInt64(x[0], rm, f),
                (o, x, rm) -> o.fromInteger(B64, BigInteger.valueOf(x[0]), rm));
        Differential.run("F64.fromUInt64", B64, B64, CASES, true, g -> new long[] {g.integer()},
                (x, rm, f) -> F64.fromUInt64(x[0], rm, f),
                (o, x, rm) -> o.fromInteger(B64, Operands.unsigned(x[0]), rm));
    }

    @Test
    void narrowingToSingleRoundsWithUnderflowAndOverflow() {
        Differential.run("F64.toF32", B64, B32, ARITHMETIC_CASES, true, g -> new long[] {narrowable(g)},
                (x, rm, f) -> F64.toF32(x[0], rm, f) & 0xffff_ffffL,
                (o, x, rm) -> o.convert(B64, B32, x[0], rm));
    }

    /** binary64 operands half of which lie in or near binary32's range, its edges included. */
    private static long narrowable(Operands g) {
        long x = g.any();
        if ((x & 1) == 0 || B64.isNaN(x) || B64.isInfinite(x)) {
            return x;
        }
        // Re-aim the exponent into [-160, 130] keeping the significand and sign.
        long exponent = -160 + Math.floorMod(x >>> 52, 291) + 1023;
        return (x & 0x800f_ffff_ffff_ffffL) | (exponent << 52);
    }
}
