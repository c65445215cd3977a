package dev.jimg.emulator.fpu;

import static dev.jimg.emulator.fpu.FloatFlags.DZ;
import static dev.jimg.emulator.fpu.FloatFlags.NV;
import static dev.jimg.emulator.fpu.FloatFlags.NX;
import static dev.jimg.emulator.fpu.FloatFlags.OF;
import static dev.jimg.emulator.fpu.FloatFlags.UF;
import static dev.jimg.emulator.fpu.RoundingMode.RDN;
import static dev.jimg.emulator.fpu.RoundingMode.RMM;
import static dev.jimg.emulator.fpu.RoundingMode.RNE;
import static dev.jimg.emulator.fpu.RoundingMode.RTZ;
import static dev.jimg.emulator.fpu.RoundingMode.RUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * Hand-written cases taken from the RISC-V F/D chapters (classification table, minimumNumber /
 * maximumNumber rules, the table of float-to-integer domains, the FMA invalid rule, tininess after
 * rounding) and IEEE 754's signed-zero and overflow rules.
 */
class RiscvSpecCasesTest {
    private static final int S_ONE = 0x3f80_0000;
    private static final int S_QNAN = 0x7fc0_0000;
    private static final int S_SNAN = 0x7f80_0001;
    private static final int S_INF = 0x7f80_0000;
    private static final int S_NEG = 0x8000_0000;
    private static final long D_ONE = 0x3ff0_0000_0000_0000L;
    private static final long D_TWO = 0x4000_0000_0000_0000L;
    private static final long D_QNAN = 0x7ff8_0000_0000_0000L;
    private static final long D_SNAN = 0x7ff0_0000_0000_0001L;
    private static final long D_INF = 0x7ff0_0000_0000_0000L;
    private static final long D_MAX = 0x7fef_ffff_ffff_ffffL;
    private static final long D_NEG = Long.MIN_VALUE;

    /** Runs op with fresh flags and checks result and exactly these flags. */
    private static void expect32(int result, int flags, ToIntFunction<FloatFlags> op) {
        FloatFlags f = new FloatFlags();
        int actual = op.applyAsInt(f);
        assertEquals(String.format("0x%08x %s", result, show(flags)), String.format("0x%08x %s", actual, f));
    }

    private static void expect64(long result, int flags, ToLongFunction<FloatFlags> op) {
        FloatFlags f = new FloatFlags();
        long actual = op.applyAsLong(f);
        assertEquals(String.format("0x%016x %s", result, show(flags)), String.format("0x%016x %s", actual, f));
    }

    private static String show(int flags) {
        FloatFlags f = new FloatFlags();
        f.bits = flags;
        return f.toString();
    }

    @Test
    void classifySetsTheOneBitOfEachClassOfTheSpecTable() {
        int[] singles = {0xff80_0000, 0xbf80_0000, 0x8000_0001, 0x8000_0000, 0, 1, S_ONE, S_INF, S_SNAN, S_QNAN};
        long[] doubles = {0xfff0_0000_0000_0000L, 0xbff0_0000_0000_0000L, 0x8000_0000_0000_0001L, D_NEG, 0, 1,
                D_ONE, D_INF, D_SNAN, D_QNAN};
        for (int bit = 0; bit < 10; bit++) {
            assertEquals(1 << bit, F32.classify(singles[bit]), "binary32 class bit " + bit);
            assertEquals(1 << bit, F64.classify(doubles[bit]), "binary64 class bit " + bit);
        }
        assertEquals(1 << 8, F32.classify(0xffbf_ffff), "negative signalling NaN");
        assertEquals(1 << 9, F64.classify(0xffff_ffff_ffff_ffffL), "negative quiet NaN with payload");
    }

    @Test
    void minAndMaxOrderNegativeZeroBelowPositiveZero() {
        expect32(S_NEG, 0, f -> F32.min(0, S_NEG, f));
        expect32(S_NEG, 0, f -> F32.min(S_NEG, 0, f));
        expect32(0, 0, f -> F32.max(S_NEG, 0, f));
        expect64(D_NEG, 0, f -> F64.min(0, D_NEG, f));
        expect64(0, 0, f -> F64.max(D_NEG, 0, f));
    }

    @Test
    void minAndMaxReturnTheNumberBesideOneNaNAndCanonicalNaNForTwo() {
        expect32(S_ONE, 0, f -> F32.min(S_QNAN | 5, S_ONE, f));
        expect32(S_ONE, NV, f -> F32.max(S_ONE, S_SNAN, f)); // signalling: NV, yet the number wins
        expect32(S_QNAN, 0, f -> F32.min(0xffc0_1234, 0x7fc0_0001, f));
        expect32(S_QNAN, NV, f -> F32.max(S_SNAN, S_QNAN, f));
        expect64(D_TWO, NV, f -> F64.min(D_SNAN, D_TWO, f));
        expect64(D_QNAN, NV, f -> F64.max(D_SNAN, D_SNAN | D_NEG, f));
    }

    @Test
    void equalityIsQuietAndOrderingIsSignalling() {
        FloatFlags f = new FloatFlags();
        assertFalse(F32.eq(S_QNAN, S_QNAN, f));
        assertEquals(0, f.bits, "feq of quiet NaNs is quiet");
        assertFalse(F32.eq(S_SNAN, S_ONE, f));
        assertEquals(NV, f.bits, "feq of a signalling NaN");
        f.bits = 0;
        assertFalse(F64.lt(D_QNAN, D_ONE, f));
        assertEquals(NV, f.bits, "flt of a quiet NaN");
        f.bits = 0;
        assertFalse(F64.le(D_ONE, D_QNAN, f));
        assertEquals(NV, f.bits, "fle of a quiet NaN");
        f.bits = 0;
        assertTrue(F32.eq(S_NEG, 0, f));
        assertTrue(F32.le(S_NEG, 0, f));
        assertFalse(F32.lt(S_NEG, 0, f));
        assertTrue(F64.lt(0xfff0_0000_0000_0000L, D_NEG, f));
        assertEquals(0, f.bits, "ordered comparisons raise nothing");
    }

    @Test
    void floatToIntegerFollowsTheTableOfDomainsAndInvalidOutputs() {
        // Columns FCVT.W / WU / L / LU, rows of the spec table, with binary64 inputs.
        long minusTwo31 = 0xc1e0_0000_0000_0000L; // -2^31: smallest valid W input
        long twoTo31Minus1 = 0x41df_ffff_ffc0_0000L; // 2^31 - 1: largest valid W input
        long twoTo31 = 0x41e0_0000_0000_0000L;
        long twoTo32 = 0x41f0_0000_0000_0000L;
        long twoTo63 = 0x43e0_0000_0000_0000L;
        long twoTo64 = 0x43f0_0000_0000_0000L;
        long minusOne = 0xbff0_0000_0000_0000L;
        long negInf = 0xfff0_0000_0000_0000L;

        expect32(Integer.MIN_VALUE, 0, f -> F64.toInt32(minusTwo31, RNE, f));
        expect32(Integer.MAX_VALUE, 0, f -> F64.toInt32(twoTo31Minus1, RNE, f));
        expect32(Integer.MIN_VALUE, NV, f -> F64.toInt32(0xc1e0_0000_0020_0000L, RNE, f)); // -2^31 - 1
        expect32(Integer.MAX_VALUE, NV, f -> F64.toInt32(twoTo31, RNE, f));
        expect32(Integer.MIN_VALUE, NV, f -> F64.toInt32(negInf, RNE, f));
        expect32(Integer.MAX_VALUE, NV, f -> F64.toInt32(D_INF, RNE, f));
        expect32(Integer.MAX_VALUE, NV, f -> F64.toInt32(D_QNAN | D_NEG, RNE, f));

        expect32(0, NV, f -> F64.toUInt32(minusOne, RNE, f));
        expect32(0, NV, f -> F64.toUInt32(negInf, RNE, f));
        expect32(-1, 0, f -> F64.toUInt32(0x41ef_ffff_ffe0_0000L, RNE, f)); // 2^32 - 1 is valid
        expect32(-1, NV, f -> F64.toUInt32(twoTo32, RNE, f));
        expect32(-1, NV, f -> F64.toUInt32(D_INF, RNE, f));
        expect32(-1, NV, f -> F64.toUInt32(D_SNAN, RNE, f));

        expect64(Long.MIN_VALUE, 0, f -> F64.toInt64(0xc3e0_0000_0000_0000L, RNE, f));
        expect64(Long.MAX_VALUE, NV, f -> F64.toInt64(twoTo63, RNE, f));
        expect64(Long.MIN_VALUE, NV, f -> F64.toInt64(negInf, RNE, f));
        expect64(Long.MAX_VALUE, NV, f -> F64.toInt64(D_QNAN, RNE, f));

        expect64(0, NV, f -> F64.toUInt64(minusOne, RNE, f));
        expect64(0xffff_ffff_ffff_f800L, 0, f -> F64.toUInt64(0x43ef_ffff_ffff_ffffL, RNE, f));
        expect64(-1L, NV, f -> F64.toUInt64(twoTo64, RNE, f));
        expect64(-1L, NV, f -> F64.toUInt64(D_QNAN, RNE, f));

        // The same table for binary32 sources.
        expect32(Integer.MIN_VALUE, 0, f -> F32.toInt32(0xcf00_0000, RNE, f));
        expect32(Integer.MAX_VALUE, NV, f -> F32.toInt32(0x4f00_0000, RNE, f));
        expect32(Integer.MAX_VALUE, NV, f -> F32.toInt32(S_SNAN, RNE, f));
        expect32(0, NV, f -> F32.toUInt32(0xff80_0000, RNE, f));
        expect64(-1L, NV, f -> F32.toUInt64(S_INF, RNE, f));
        expect64(Long.MIN_VALUE, NV, f -> F32.toInt64(0xdf00_0001, RNE, f));
    }

    @Test
    void conversionRangeIsJudgedAfterRoundingAndInvalidNeverAlsoSignalsInexact() {
        long justBelowTwoTo31 = 0x41df_ffff_ffe0_0000L; // 2^31 - 0.5
        expect32(Integer.MAX_VALUE, NV, f -> F64.toInt32(justBelowTwoTo31, RNE, f)); // ties to 2^31
        expect32(Integer.MAX_VALUE, NX, f -> F64.toInt32(justBelowTwoTo31, RTZ, f));
        long minusHalf = 0xbfe0_0000_0000_0000L;
        expect32(0, NX, f -> F64.toUInt32(minusHalf, RNE, f)); // rounds to -0, which is valid
        expect32(0, NV, f -> F64.toUInt32(minusHalf, RDN, f)); // rounds to -1
        expect32(-1, NX, f -> F64.toInt32(minusHalf, RMM, f));
        expect64(3, NX, f -> F32.toUInt64(0x4020_0000, RUP, f)); // 2.5
        expect64(2, NX, f -> F32.toUInt64(0x4020_0000, RNE, f));
        expect64(3, NX, f -> F32.toUInt64(0x4020_0000, RMM, f));
    }

    @Test
    void fusedMultiplyAddOfInfinityTimesZeroIsInvalidEvenWithAQuietNaNAddend() {
        expect32(S_QNAN, NV, f -> F32.mulAdd(S_INF, 0, S_QNAN, RNE, f));
        expect32(S_QNAN, NV, f -> F32.mulAdd(S_NEG, S_INF | S_NEG, S_ONE, RNE, f));
        expect64(D_QNAN, NV, f -> F64.mulAdd(0, D_INF, D_QNAN | 0x1234, RNE, f));
        expect64(D_QNAN, NV, f -> F64.mulAdd(D_INF, D_ONE, D_INF | D_NEG, RNE, f)); // inf - inf
        expect64(D_QNAN, 0, f -> F64.mulAdd(D_QNAN, 0, D_ONE, RNE, f)); // quiet NaN times zero: no NV
        expect64(D_QNAN, NV, f -> F64.mulAdd(D_ONE, D_ONE, D_SNAN, RNE, f));
        expect64(D_INF | D_NEG, 0, f -> F64.mulAdd(D_INF, D_NEG | D_ONE, D_MAX, RNE, f));
    }

    @Test
    void negatedFusedFormsNegateTermsNotTheResult() {
        int x = 0x4049_0fdb; // pi
        // FNMADD x, 1, -x = -(x*1) - (-x): an exact cancellation of terms, so +0 (or -0 under RDN).
        expect32(0, 0, f -> F32.mulAdd(x ^ S_NEG, S_ONE, x, RNE, f));
        expect32(S_NEG, 0, f -> F32.mulAdd(x ^ S_NEG, S_ONE, x, RDN, f));
        // FMSUB of a signalling NaN with its sign flipped is still signalling.
        expect32(S_QNAN, NV, f -> F32.mulAdd(S_ONE, S_ONE, S_SNAN ^ S_NEG, RNE, f));
    }

    @Test
    void divisionByZeroAndTheInvalidQuotients() {
        expect32(S_INF, DZ, f -> F32.div(S_ONE, 0, RNE, f));
        expect32(S_INF | S_NEG, DZ, f -> F32.div(S_ONE, S_NEG, RNE, f));
        expect32(S_QNAN, NV, f -> F32.div(0, S_NEG, RNE, f));
        expect64(D_QNAN, NV, f -> F64.div(D_INF, D_INF | D_NEG, RNE, f));
        expect64(D_NEG, 0, f -> F64.div(D_ONE, D_INF | D_NEG, RNE, f));
        expect64(D_INF, 0, f -> F64.div(D_INF, 0, RNE, f)); // infinity is not "finite / 0": no DZ
    }

    @Test
    void squareRootOfNegativesIsInvalidButOfNegativeZeroIsNegativeZero() {
        expect32(S_NEG, 0, f -> F32.sqrt(S_NEG, RNE, f));
        expect32(S_QNAN, NV, f -> F32.sqrt(0x8000_0001, RNE, f));
        expect64(D_QNAN, NV, f -> F64.sqrt(0xfff0_0000_0000_0000L, RNE, f));
        expect64(D_INF, 0, f -> F64.sqrt(D_INF, RNE, f));
        expect64(D_QNAN, 0, f -> F64.sqrt(D_QNAN | D_NEG | 77, RNE, f));
        expect64(0x2000_0000_0000_0000L, 0, f -> F64.sqrt(0x0010_0000_0000_0000L, RUP, f)); // 2^-511, exact
    }

    @Test
    void underflowIsDetectedAfterRoundingAndOnlyWhenInexact() {
        // (1 + 2^-52) * (2^-1022 - 2^-1074) = 2^-1022 * (1 - 2^-104): to nearest it rounds up to
        // the smallest normal even with an unbounded exponent, so it is not tiny; truncated it is.
        expect64(0x0010_0000_0000_0000L, NX, f -> F64.mul(0x3ff0_0000_0000_0001L, 0x000f_ffff_ffff_ffffL, RNE, f));
        expect64(0x000f_ffff_ffff_ffffL, UF | NX, f -> F64.mul(0x3ff0_0000_0000_0001L, 0x000f_ffff_ffff_ffffL, RTZ, f));
        expect32(0x0080_0000, NX, f -> F32.mul(0x3f80_0001, 0x007f_ffff, RNE, f));
        expect32(0x007f_ffff, UF | NX, f -> F32.mul(0x3f80_0001, 0x007f_ffff, RTZ, f));
        // Exact subnormal results raise nothing.
        expect32(0x0000_0003, 0, f -> F32.add(0x0000_0001, 0x0000_0002, RNE, f));
        expect64(0x0000_0000_0000_0001L, 0, f -> F64.mul(0x0000_0000_0000_0002L, 0x3fe0_0000_0000_0000L, RNE, f));
        // Half the smallest subnormal: a tie between 0 and it.
        expect64(0, UF | NX, f -> F64.mul(0x0000_0000_0000_0001L, 0x3fe0_0000_0000_0000L, RNE, f));
        expect64(1, UF | NX, f -> F64.mul(0x0000_0000_0000_0001L, 0x3fe0_0000_0000_0000L, RMM, f));
    }

    @Test
    void overflowDependsOnTheRoundingDirection() {
        expect64(D_INF, OF | NX, f -> F64.add(D_MAX, D_MAX, RNE, f));
        expect64(D_MAX, OF | NX, f -> F64.add(D_MAX, D_MAX, RTZ, f));
        expect64(D_MAX | D_NEG, OF | NX, f -> F64.add(D_MAX | D_NEG, D_MAX | D_NEG, RUP, f));
        expect64(D_INF | D_NEG, OF | NX, f -> F64.add(D_MAX | D_NEG, D_MAX | D_NEG, RDN, f));
        // MAX + ulp/2 is a tie to the even neighbour 2^1024, but truncates to MAX without overflow:
        // overflow is judged on the value rounded with an unbounded exponent.
        long halfUlpOfMax = 0x7c90_0000_0000_0000L; // 2^970
        expect64(D_INF, OF | NX, f -> F64.add(D_MAX, halfUlpOfMax, RNE, f));
        expect64(D_MAX, NX, f -> F64.add(D_MAX, halfUlpOfMax, RTZ, f));
        expect32(0x7f7f_ffff, OF | NX, f -> F64.toF32(D_MAX, RTZ, f));
        expect32(S_INF, OF | NX, f -> F64.toF32(D_MAX, RMM, f));
    }

    @Test
    void exactZeroSumsArePositiveExceptWhenRoundingDown() {
        int x = 0x4049_0fdb;
        expect32(0, 0, f -> F32.sub(x, x, RNE, f));
        expect32(S_NEG, 0, f -> F32.sub(x, x, RDN, f));
        expect32(S_NEG, 0, f -> F32.add(S_NEG, S_NEG, RNE, f));
        expect32(0, 0, f -> F32.add(0, S_NEG, RUP, f));
        expect64(D_NEG, 0, f -> F64.add(0, D_NEG, RDN, f));
        expect64(0, 0, f -> F64.mulAdd(D_NEG | D_ONE, 0, 0, RNE, f)); // -0 + +0
        expect64(D_NEG, 0, f -> F64.mulAdd(D_NEG | D_ONE, 0, D_NEG, RNE, f)); // -0 + -0
    }

    @Test
    void nanResultsAreCanonicalAndOnlySignallingNaNsRaiseInvalid() {
        expect32(S_QNAN, 0, f -> F32.add(0xffc1_2345, S_ONE, RNE, f));
        expect32(S_QNAN, NV, f -> F32.mul(S_ONE, 0xff80_0001, RNE, f));
        expect64(D_QNAN, 0, f -> F64.sub(D_ONE, 0xfff8_0000_0000_0001L, RNE, f));
        expect64(D_QNAN, NV, f -> F64.add(D_INF, D_INF | D_NEG, RNE, f));
        expect64(D_QNAN, NV, f -> F32.toF64(S_SNAN, f));
        expect64(D_QNAN, 0, f -> F32.toF64(0xffc0_0001, f));
        expect32(S_QNAN, NV, f -> F64.toF32(D_SNAN, RNE, f));
        expect32(S_QNAN, 0, f -> F64.toF32(0xfff8_0000_0000_0001L, RNE, f));
    }

    @Test
    void convertingIntegerZeroGivesPositiveZeroWithoutFlags() {
        for (int rm = RNE; rm <= RMM; rm++) {
            int mode = rm;
            expect32(0, 0, f -> F32.fromInt32(0, mode, f));
            expect64(0, 0, f -> F64.fromInt64(0, mode, f));
        }
        expect32(0x4f80_0000, NX, f -> F32.fromUInt32(-1, RNE, f)); // 2^32 - 1 rounds to 2^32
        expect32(0x4f7f_ffff, NX, f -> F32.fromUInt32(-1, RTZ, f));
        expect64(0xc3e0_0000_0000_0000L, 0, f -> F64.fromInt64(Long.MIN_VALUE, RNE, f));
        expect64(0x43f0_0000_0000_0000L, NX, f -> F64.fromUInt64(-1L, RUP, f));
    }

    @Test
    void reservedAndDynamicRoundingModesAreRejected() {
        FloatFlags f = new FloatFlags();
        for (int rm : new int[] {5, 6, 7, -1}) {
            assertThrows(IllegalArgumentException.class, () -> F32.add(S_ONE, S_ONE, rm, f));
            assertThrows(IllegalArgumentException.class, () -> F64.mulAdd(D_ONE, D_ONE, D_ONE, rm, f));
            assertThrows(IllegalArgumentException.class, () -> F64.toInt32(D_ONE, rm, f));
        }
        assertEquals(0, f.bits);
    }
}
