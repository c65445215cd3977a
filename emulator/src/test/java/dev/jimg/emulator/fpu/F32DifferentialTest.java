package dev.jimg.emulator.fpu;

import static dev.jimg.emulator.fpu.Format.B32;
import static dev.jimg.emulator.fpu.Format.B64;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Every binary32 operation against the exact {@link Oracle}, in every rounding mode. */
class F32DifferentialTest {
    private static final int ARITHMETIC_CASES = 60_000;
    private static final int CASES = 40_000;

    private static int i(long x) {
        return (int) x;
    }

    private static long u(int x) {
        return x & 0xffff_ffffL;
    }

    @Test
    void addMatchesExactArithmetic() {
        Differential.run("F32.add", B32, B32, ARITHMETIC_CASES, true,
                g -> pair(g.any(), g),
                (x, rm, f) -> u(F32.add(i(x[0]), i(x[1]), rm, f)),
                (o, x, rm) -> o.add(B32, x[0], x[1], rm));
    }

    private static long[] pair(long a, Operands g) {
        return new long[] {a, g.addend(a)};
    }

    @Test
    void subMatchesExactArithmetic() {
        Differential.run("F32.sub", B32, B32, ARITHMETIC_CASES, true,
                g -> pair(g.any(), g),
                (x, rm, f) -> u(F32.sub(i(x[0]), i(x[1]), rm, f)),
                (o, x, rm) -> o.sub(B32, x[0], x[1], rm));
    }

    @Test
    void mulMatchesExactArithmetic() {
        Differential.run("F32.mul", B32, B32, ARITHMETIC_CASES, true,
                g -> {
                    long a = g.any();
                    return new long[] {a, g.factor(a, false)};
                },
                (x, rm, f) -> u(F32.mul(i(x[0]), i(x[1]), rm, f)),
                (o, x, rm) -> o.mul(B32, x[0], x[1], rm));
    }

    @Test
    void divMatchesExactArithmetic() {
        Differential.run("F32.div", B32, B32, ARITHMETIC_CASES, true,
                g -> {
                    long a = g.any();
                    return new long[] {a, g.factor(a, true)};
                },
                (x, rm, f) -> u(F32.div(i(x[0]), i(x[1]), rm, f)),
                (o, x, rm) -> o.div(B32, x[0], x[1], rm));
    }

    @Test
    void sqrtMatchesExactArithmetic() {
        Differential.run("F32.sqrt", B32, B32, ARITHMETIC_CASES, true,
                g -> new long[] {g.any()},
                (x, rm, f) -> u(F32.sqrt(i(x[0]), rm, f)),
                (o, x, rm) -> o.sqrt(B32, x[0], rm));
    }

    @Test
    void mulAddMatchesExactArithmetic() {
        Differential.run("F32.mulAdd", B32, B32, ARITHMETIC_CASES, true,
                g -> {
                    long a = g.any();
                    long b = g.factor(a, false);
                    return new long[] {a, b, g.fmaAddend(a, b)};
                },
                (x, rm, f) -> u(F32.mulAdd(i(x[0]), i(x[1]), i(x[2]), rm, f)),
                (o, x, rm) -> o.mulAdd(B32, x[0], x[1], x[2], rm));
    }

    @Test
    void minAndMaxFollowMinimumNumberAndMaximumNumber() {
        Differential.run("F32.min", B32, B32, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> u(F32.min(i(x[0]), i(x[1]), f)),
                (o, x, rm) -> o.minMax(B32, x[0], x[1], false));
        Differential.run("F32.max", B32, B32, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> u(F32.max(i(x[0]), i(x[1]), f)),
                (o, x, rm) -> o.minMax(B32, x[0], x[1], true));
    }

    @Test
    void comparisonsMatchExactOrdering() {
        Differential.run("F32.eq", B32, null, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> F32.eq(i(x[0]), i(x[1]), f) ? 1 : 0,
                (o, x, rm) -> o.eq(B32, x[0], x[1]) ? 1 : 0);
        Differential.run("F32.lt", B32, null, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> F32.lt(i(x[0]), i(x[1]), f) ? 1 : 0,
                (o, x, rm) -> o.lt(B32, x[0], x[1]) ? 1 : 0);
        Differential.run("F32.le", B32, null, CASES, false, g -> pair(g.any(), g),
                (x, rm, f) -> F32.le(i(x[0]), i(x[1]), f) ? 1 : 0,
                (o, x, rm) -> o.le(B32, x[0], x[1]) ? 1 : 0);
    }

    @Test
    void classifyMatchesTheClassOfEveryOperand() {
        Differential.run("F32.classify", B32, null, CASES, false, g -> new long[] {g.any()},
                (x, rm, f) -> F32.classify(i(x[0])),
                (o, x, rm) -> o.classify(B32, x[0]));
    }

    @Test
    void floatToIntegerConversionsRoundAndSaturate() {
        BigInteger int32Min = BigInteger.valueOf(Integer.MIN_VALUE);
        BigInteger int32Max = BigInteger.valueOf(Integer.MAX_VALUE);
        BigInteger uint32Max = BigInteger.valueOf(0xffff_ffffL);
        BigInteger int64Min = BigInteger.valueOf(Long.MIN_VALUE);
        BigInteger int64Max = BigInteger.valueOf(Long.MAX_VALUE);
        BigInteger uint64Max = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        Differential.run("F32.toInt32", B32, null, CASES, true, g -> new long[] {g.forIntegerConversion()},
                (x, rm, f) -> F32.toInt32(i(x[0]), rm, f),
                (o, x, rm) -> o.toInteger(B32, x[0], rm, int32Min, int32Max).longValueExact());
        Differential.run("F32.toUInt32", B32, null, CASES, true, g -> new long[] {g.forIntegerConversion()},
                (x, rm, f) -> u(F32.toUInt32(i(x[0]), rm, f)),
                (o, x, rm) -> o.toInteger(B32, x[0], rm, BigInteger.ZERO, uint32Max).longValueExact());
        Differential.run("F32.toInt64", B32, null, CASES, true, g -> new long[] {g.forIntegerConversion()},
                (x, rm, f) -> F32.toInt64(i(x[0]), rm, f),
                (o, x, rm) -> o.toInteger(B32, x[0], rm, int64Min, int64Max).longValueExact());
        Differential.run("F32.toUInt64", B32, null, CASES, true, g -> new long[] {g.forIntegerConversion()},
                (x, rm, f) -> F32.toUInt64(i(x[0]), rm, f),
                (o, x, rm) -> o.toInteger(B32, x[0], rm, BigInteger.ZERO, uint64Max).longValue());
    }

    @Test
    void integerToFloatConversionsRound() {
        Differential.run("F32.fromInt32", B32, B32, CASES, true, g -> new long[] {(int) g.integer()},
                (x, rm, f) -> u(F32.fromInt32(i(x[0]), rm, f)),
                (o, x, rm) -> o.fromInteger(B32, BigInteger.valueOf((int) x[0]), rm));
        Differential.run("F32.fromUInt32", B32, B32, CASES, true, g -> new long[] {g.integer()},
                (x, rm, f) -> u(F32.fromUInt32(i(x[0]), rm, f)),
                (o, x, rm) -> o.fromInteger(B32, BigInteger.valueOf(x[0] & 0xffff_ffffL), rm));
        Differential.run("F32.fromInt64", B32, B32, CASES, true, g -> new long[] {g.integer()},
                (x, rm, f) -> u(F32.fromInt64(x[0], rm, f)),
                (o, x, rm) -> o.fromInteger(B32, BigInteger.valueOf(x[0]), rm));
        Differential.run("F32.fromUInt64", B32, B32, CASES, true, g -> new long[] {g.integer()},
                (x, rm, f) -> u(F32.fromUInt64(x[0], rm, f)),
                (o, x, rm) -> o.fromInteger(B32, Operands.unsigned(x[0]), rm));
    }

    @Test
    void wideningToDoubleIsExactAndCanonicalisesNaNs() {
        Differential.run("F32.toF64", B32, B64, CASES, false, g -> new long[] {g.any()},
                (x, rm, f) -> F32.toF64(i(x[0]), f),
                (o, x, rm) -> o.convert(B32, B64, x[0], rm));
    }
}
