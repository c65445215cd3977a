package dev.jimg.emulator.fpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs an operation and the {@link Oracle} side by side on generated operands under every
 * rounding mode and collects mismatches of result bits or flags. Seeds are fixed so a failure
 * reproduces; {@code -Dfpu.seed=N} explores other seeds and {@code -Dfpu.scale=K} multiplies the
 * number of cases.
 */
final class Differential {
    static final long BASE_SEED = Long.getLong("fpu.seed", 0x5eedf10a7L);
    static final int SCALE = Integer.getInteger("fpu.scale", 1);
    private static final int MAX_REPORTED = 8;

    interface Generator {
        long[] operands(Operands g);
    }

    interface Implementation {
        long apply(long[] x, int rm, FloatFlags f);
    }

    interface Reference {
        long apply(Oracle o, long[] x, int rm);
    }

    private final String name;
    private final Format resultFormat;
    private final long seed;
    private final List<String> failures = new ArrayList<>();
    private int mismatches;

    private Differential(String name, Format resultFormat) {
        this.name = name;
        this.resultFormat = resultFormat;
        this.seed = BASE_SEED ^ name.hashCode();
    }

    /**
     * Compares {@code impl} with {@code ref} on {@code cases} operand tuples from {@code gen}, in
     * each of the five rounding modes (or once, with mode RNE, when {@code rounds} is false).
     */
    static void run(String name, Format operandFormat, Format resultFormat, int cases, boolean rounds,
            Generator gen, Implementation impl, Reference ref) {
        Differential d = new Differential(name, resultFormat);
        Operands g = new Operands(operandFormat, d.seed);
        Oracle oracle = new Oracle();
        int modes = rounds ? 5 : 1;
        for (int i = 0; i < cases * SCALE; i++) {
            long[] x = gen.operands(g);
            for (int rm = 0; rm < modes; rm++) {
                long expected = ref.apply(oracle, x, rm);
                int expectedFlags = oracle.flags;
                FloatFlags f = new FloatFlags();
                long actual;
                try {
                    actual = impl.apply(x, rm, f);
                } catch (RuntimeException e) {
                    d.record(operandFormat, x, rm, expected, expectedFlags, 0, -1, e.toString());
                    continue;
                }
                if (actual != expected || f.bits != expectedFlags) {
                    d.record(operandFormat, x, rm, expected, expectedFlags, actual, f.bits, null);
                }
            }
        }
        d.finish(cases * SCALE * modes);
    }

    private void record(Format operandFormat, long[] x, int rm, long expected, int expectedFlags, long actual,
            int actualFlags, String exception) {
        mismatches++;
        if (failures.size() >= MAX_REPORTED) {
            return;
        }
        StringBuilder s = new StringBuilder(name).append('(');
        for (int i = 0; i < x.length; i++) {
            s.append(i == 0 ? "" : ", ").append(operandFormat.hex(x[i]));
        }
        s.append(") ").append(RoundingMode.name(rm)).append(": expected ").append(show(expected))
                .append(" flags ").append(flags(expectedFlags)).append(", got ");
        s.append(exception != null ? exception : show(actual) + " flags " + flags(actualFlags));
        failures.add(s.toString());
    }

    private String show(long v) {
        return resultFormat == null ? Long.toString(v) + " (" + Long.toHexString(v) + ")" : resultFormat.hex(v);
    }

    private static String flags(int bits) {
        FloatFlags f = new FloatFlags();
        f.bits = bits;
        return f.toString();
    }

    private void finish(int checks) {
        if (mismatches > 0) {
            fail(mismatches + " of " + checks + " checks of " + name + " disagree with the exact oracle (seed "
                    + seed + ", base seed -Dfpu.seed=" + BASE_SEED + "):\n  " + String.join("\n  ", failures));
        }
    }
}
