package dev.jimg.emulator.fpu;

import static dev.jimg.emulator.fpu.Format.B32;
import static dev.jimg.emulator.fpu.Format.B64;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every binary64 operation against the exact {@link Oracle}, in every rounding mode; the integer
 * fallback {@link SoftDouble} is also checked on its own over the whole finite range, not only
 * where {@link F64} hands over to it.
 */
class F64DifferentialTest extends FormatDifferentialTest {
    F64DifferentialTest() {
        super(B64, "F64");
    }

    @Override
    Differential.Implementation implementation(Operation op) {
        return switch (op) {
            case ADD -> (x, rm, f) -> F64.add(x[0], x[1], rm, f);
            case SUB -> (x, rm, f) -> F64.sub(x[0], x[1], rm, f);
            case MUL -> (x, rm, f) -> F64.mul(x[0], x[1], rm, f);
            case DIV -> (x, rm, f) -> F64.div(x[0], x[1], rm, f);
            case SQRT -> (x, rm, f) -> F64.sqrt(x[0], rm, f);
            case MUL_ADD -> (x, rm, f) -> F64.mulAdd(x[0], x[1], x[2], rm, f);
            case MIN -> (x, rm, f) -> F64.min(x[0], x[1], f);
            case MAX -> (x, rm, f) -> F64.max(x[0], x[1], f);
            case EQ -> (x, rm, f) -> F64.eq(x[0], x[1], f) ? 1 : 0;
            case LT -> (x, rm, f) -> F64.lt(x[0], x[1], f) ? 1 : 0;
            case LE -> (x, rm, f) -> F64.le(x[0], x[1], f) ? 1 : 0;
            case CLASSIFY -> (x, rm, f) -> F64.classify(x[0]);
            case TO_INT32 -> (x, rm, f) -> F64.toInt32(x[0], rm, f);
            case TO_UINT32 -> (x, rm, f) -> F64.toUInt32(x[0], rm, f) & 0xffff_ffffL;
            case TO_INT64 -> (x, rm, f) -> F64.toInt64(x[0], rm, f);
            case TO_UINT64 -> (x, rm, f) -> F64.toUInt64(x[0], rm, f);
            case FROM_INT32 -> (x, rm, f) -> F64.fromInt32((int) x[0], rm, f);
            case FROM_UINT32 -> (x, rm, f) -> F64.fromUInt32((int) x[0], rm, f);
            case FROM_INT64 -> (x, rm, f) -> F64.fromInt64(x[0], rm, f);
            case FROM_UINT64 -> (x, rm, f) -> F64.fromUInt64(x[0], rm, f);
        };
    }

    /** Draws until every operand is finite, for the integer fallback's domain. */
    private static long[] finite(Operands g, Function<Operands, long[]> gen) {
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
    void integerFallbackMatchesExactArithmeticOverTheWholeRange() {
        Differential.run("SoftDouble.add", B64, B64, CASES, true, g -> finite(g, FormatDifferentialTest::pair),
                (x, rm, f) -> SoftDouble.add(x[0], x[1], rm, f),
                (o, x, rm) -> o.add(B64, x[0], x[1], rm));
        Differential.run("SoftDouble.mul", B64, B64, CASES, true, g -> finite(g, h -> factors(h, false)),
                (x, rm, f) -> SoftDouble.mul(x[0], x[1], rm, f),
                (o, x, rm) -> o.mul(B64, x[0], x[1], rm));
        Differential.run("SoftDouble.fma", B64, B64, CASES, true, g -> finite(g, FormatDifferentialTest::fmaOperands),
                (x, rm, f) -> SoftDouble.fma(x[0], x[1], x[2], rm, f),
                (o, x, rm) -> o.mulAdd(B64, x[0], x[1], x[2], rm));
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
