package dev.jimg.emulator.fpu;

import static dev.jimg.emulator.fpu.FormatDifferentialTest.Operation.*;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * The differential tests binary32 and binary64 have in common: every operation of {@link F32} or
 * {@link F64} against the exact {@link Oracle}, in every rounding mode where it rounds. A
 * subclass names its format and maps each {@link Operation} to its class's method; what only one
 * width has (widening, narrowing, the integer fallback) stays in the subclass. Both widths thus
 * run the same list of checks, each on its own operand stream (seeded by the operation's name).
 */
abstract class FormatDifferentialTest {
    static final int ARITHMETIC_CASES = 60_000;
    static final int CASES = 40_000;

    /** The operations both classes have, by the name of their method. */
    enum Operation {
        ADD("add"), SUB("sub"), MUL("mul"), DIV("div"), SQRT("sqrt"), MUL_ADD("mulAdd"),
        MIN("min"), MAX("max"), EQ("eq"), LT("lt"), LE("le"), CLASSIFY("classify"),
        TO_INT32("toInt32"), TO_UINT32("toUInt32"), TO_INT64("toInt64"), TO_UINT64("toUInt64"),
        FROM_INT32("fromInt32"), FROM_UINT32("fromUInt32"), FROM_INT64("fromInt64"), FROM_UINT64("fromUInt64");

        final String method;

        Operation(String method) {
            this.method = method;
        }
    }

    final Format fmt;
    private final String className;

    FormatDifferentialTest(Format fmt, String className) {
        this.fmt = fmt;
        this.className = className;
    }

    /**
     * The class's method for {@code op}, on values carried in {@code long}s as the {@link Oracle}
     * gives them: bit patterns in the low bits of the format (binary32 zero-extended), integer
     * results as signed 64-bit values except that unsigned 32-bit ones are zero-extended,
     * comparisons as 0 or 1, and a 32-bit integer operand in the low bits of {@code x[0]}.
     */
    abstract Differential.Implementation implementation(Operation op);

    private void check(Operation op, Format resultFormat, int cases, boolean rounds, Differential.Generator gen,
            Differential.Reference ref) {
        Differential.run(className + "." + op.method, fmt, resultFormat, cases, rounds, gen, implementation(op), ref);
    }

    static long[] pair(Operands g) {
        long a = g.any();
        return new long[] {a, g.addend(a)};
    }

    static long[] factors(Operands g, boolean division) {
        long a = g.any();
        return new long[] {a, g.factor(a, division)};
    }

    static long[] fmaOperands(Operands g) {
        long a = g.any();
        long b = g.factor(a, false);
        return new long[] {a, b, g.fmaAddend(a, b)};
    }

    @Test
    void addMatchesExactArithmetic() {
        check(ADD, fmt, ARITHMETIC_CASES, true, FormatDifferentialTest::pair, (o, x, rm) -> o.add(fmt, x[0], x[1], rm));
    }

    @Test
    void subMatchesExactArithmetic() {
        check(SUB, fmt, ARITHMETIC_CASES, true, FormatDifferentialTest::pair, (o, x, rm) -> o.sub(fmt, x[0], x[1], rm));
    }

    @Test
    void mulMatchesExactArithmetic() {
        check(MUL, fmt, ARITHMETIC_CASES, true, g -> factors(g, false), (o, x, rm) -> o.mul(fmt, x[0], x[1], rm));
    }

    @Test
    void divMatchesExactArithmetic() {
        check(DIV, fmt, ARITHMETIC_CASES, true, g -> factors(g, true), (o, x, rm) -> o.div(fmt, x[0], x[1], rm));
    }

    @Test
    void sqrtMatchesExactArithmetic() {
        check(SQRT, fmt, ARITHMETIC_CASES, true, g -> new long[] {g.any()}, (o, x, rm) -> o.sqrt(fmt, x[0], rm));
    }

    @Test
    void mulAddMatchesExactArithmetic() {
        check(MUL_ADD, fmt, ARITHMETIC_CASES, true, FormatDifferentialTest::fmaOperands,
                (o, x, rm) -> o.mulAdd(fmt, x[0], x[1], x[2], rm));
    }

    @Test
    void minAndMaxFollowMinimumNumberAndMaximumNumber() {
        check(MIN, fmt, CASES, false, FormatDifferentialTest::pair, (o, x, rm) -> o.minMax(fmt, x[0], x[1], false));
        check(MAX, fmt, CASES, false, FormatDifferentialTest::pair, (o, x, rm) -> o.minMax(fmt, x[0], x[1], true));
    }

    @Test
    void comparisonsMatchExactOrdering() {
        check(EQ, null, CASES, false, FormatDifferentialTest::pair, (o, x, rm) -> o.eq(fmt, x[0], x[1]) ? 1 : 0);
        check(LT, null, CASES, false, FormatDifferentialTest::pair, (o, x, rm) -> o.lt(fmt, x[0], x[1]) ? 1 : 0);
        check(LE, null, CASES, false, FormatDifferentialTest::pair, (o, x, rm) -> o.le(fmt, x[0], x[1]) ? 1 : 0);
    }

    @Test
    void classifyMatchesTheClassOfEveryOperand() {
        check(CLASSIFY, null, CASES, false, g -> new long[] {g.any()}, (o, x, rm) -> o.classify(fmt, x[0]));
    }

    @Test
    void floatToIntegerConversionsRoundAndSaturate() {
        BigInteger int32Min = BigInteger.valueOf(Integer.MIN_VALUE);
        BigInteger int32Max = BigInteger.valueOf(Integer.MAX_VALUE);
        BigInteger uint32Max = BigInteger.valueOf(0xffff_ffffL);
        BigInteger int64Min = BigInteger.valueOf(Long.MIN_VALUE);
        BigInteger int64Max = BigInteger.valueOf(Long.MAX_VALUE);
        BigInteger uint64Max = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        Differential.Generator gen = g -> new long[] {g.forIntegerConversion()};
        check(TO_INT32, null, CASES, true, gen,
                (o, x, rm) -> o.toInteger(fmt, x[0], rm, int32Min, int32Max).longValueExact());
        check(TO_UINT32, null, CASES, true, gen,
                (o, x, rm) -> o.toInteger(fmt, x[0], rm, BigInteger.ZERO, uint32Max).longValueExact());
        check(TO_INT64, null, CASES, true, gen,
                (o, x, rm) -> o.toInteger(fmt, x[0], rm, int64Min, int64Max).longValueExact());
        check(TO_UINT64, null, CASES, true, gen,
                (o, x, rm) -> o.toInteger(fmt, x[0], rm, BigInteger.ZERO, uint64Max).longValue());
    }

    @Test
    void integerToFloatConversionsRound() {
        check(FROM_INT32, fmt, CASES, true, g -> new long[] {(int) g.integer()},
                (o, x, rm) -> o.fromInteger(fmt, BigInteger.valueOf((int) x[0]), rm));
        check(FROM_UINT32, fmt, CASES, true, g -> new long[] {g.integer()},
                (o, x, rm) -> o.fromInteger(fmt, BigInteger.valueOf(x[0] & 0xffff_ffffL), rm));
        check(FROM_INT64, fmt, CASES, true, g -> new long[] {g.integer()},
                (o, x, rm) -> o.fromInteger(fmt, BigInteger.valueOf(x[0]), rm));
        check(FROM_UINT64, fmt, CASES, true, g -> new long[] {g.integer()},
                (o, x, rm) -> o.fromInteger(fmt, Operands.unsigned(x[0]), rm));
    }
}
