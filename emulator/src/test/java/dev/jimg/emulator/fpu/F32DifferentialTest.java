package dev.jimg.emulator.fpu;

import static dev.jimg.emulator.fpu.Format.B32;
import static dev.jimg.emulator.fpu.Format.B64;

import org.junit.jupiter.api.Test;

/** Every binary32 operation against the exact {@link Oracle}, in every rounding mode. */
class F32DifferentialTest extends FormatDifferentialTest {
    F32DifferentialTest() {
        super(B32, "F32");
    }

    private static int i(long x) {
        return (int) x;
    }

    private static long u(int x) {
        return x & 0xffff_ffffL;
    }

    @Override
    Differential.Implementation implementation(Operation op) {
        return switch (op) {
            case ADD -> (x, rm, f) -> u(F32.add(i(x[0]), i(x[1]), rm, f));
            case SUB -> (x, rm, f) -> u(F32.sub(i(x[0]), i(x[1]), rm, f));
            case MUL -> (x, rm, f) -> u(F32.mul(i(x[0]), i(x[1]), rm, f));
            case DIV -> (x, rm, f) -> u(F32.div(i(x[0]), i(x[1]), rm, f));
            case SQRT -> (x, rm, f) -> u(F32.sqrt(i(x[0]), rm, f));
            case MUL_ADD -> (x, rm, f) -> u(F32.mulAdd(i(x[0]), i(x[1]), i(x[2]), rm, f));
            case MIN -> (x, rm, f) -> u(F32.min(i(x[0]), i(x[1]), f));
            case MAX -> (x, rm, f) -> u(F32.max(i(x[0]), i(x[1]), f));
            case EQ -> (x, rm, f) -> F32.eq(i(x[0]), i(x[1]), f) ? 1 : 0;
            case LT -> (x, rm, f) -> F32.lt(i(x[0]), i(x[1]), f) ? 1 : 0;
            case LE -> (x, rm, f) -> F32.le(i(x[0]), i(x[1]), f) ? 1 : 0;
            case CLASSIFY -> (x, rm, f) -> F32.classify(i(x[0]));
            case TO_INT32 -> (x, rm, f) -> F32.toInt32(i(x[0]), rm, f);
            case TO_UINT32 -> (x, rm, f) -> u(F32.toUInt32(i(x[0]), rm, f));
            case TO_INT64 -> (x, rm, f) -> F32.toInt64(i(x[0]), rm, f);
            case TO_UINT64 -> (x, rm, f) -> F32.toUInt64(i(x[0]), rm, f);
            case FROM_INT32 -> (x, rm, f) -> u(F32.fromInt32(i(x[0]), rm, f));
            case FROM_UINT32 -> (x, rm, f) -> u(F32.fromUInt32(i(x[0]), rm, f));
            case FROM_INT64 -> (x, rm, f) -> u(F32.fromInt64(x[0], rm, f));
            case FROM_UINT64 -> (x, rm, f) -> u(F32.fromUInt64(x[0], rm, f));
        };
    }

    @Test
    void wideningToDoubleIsExactAndCanonicalisesNaNs() {
        Differential.run("F32.toF64", B32, B64, CASES, false, g -> new long[] {g.any()},
                (x, rm, f) -> F32.toF64(i(x[0]), f),
                (o, x, rm) -> o.convert(B32, B64, x[0], rm));
    }
}
