package dev.jimg.emulator.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Operand tuples on which an earlier version disagreed with the {@link Oracle} in long
 * {@code -Dfpu.scale} runs, kept so the default run covers them in every rounding mode.
 */
class FoundByStressRunsTest {
    private static void agreesInEveryMode(String what, long expectedForRne, Differential.Implementation impl,
            Differential.Reference ref, long... x) {
        Oracle oracle = new Oracle();
        for (int rm = 0; rm < 5; rm++) {
            long expected = ref.apply(oracle, x, rm);
            if (rm == RoundingMode.RNE) {
                assertEquals(expectedForRne, expected, what + ": the oracle's own RNE result");
            }
            FloatFlags f = new FloatFlags();
            long actual = impl.apply(x, rm, f);
            assertEquals(Long.toHexString(expected) + " " + oracle.flags, Long.toHexString(actual) + " " + f.bits,
                    what + " " + RoundingMode.name(rm));
        }
    }

    @Test
    void subtractionNearTheLargestFiniteNumberDoesNotOverflowInItsErrorTerm() {
        // Knuth's TwoSum overflowed computing s - x here, which corrupted the directed modes.
        agreesInEveryMode("F64.sub", 0xffe1_b079_8c03_47e8L,
                (x, rm, f) -> F64.sub(x[0], x[1], rm, f),
                (o, x, rm) -> o.sub(Format.B64, x[0], x[1], rm),
                0x7fdc_9f0c_e7f9_702fL, 0x7fef_ffff_ffff_ffffL);
    }
}
