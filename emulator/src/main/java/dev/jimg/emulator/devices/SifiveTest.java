package dev.jimg.emulator.devices;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.MmioOps;
import java.util.function.Consumer;

/**
 * SiFive's test finisher, which QEMU's {@code virt} also exposes as the syscon behind
 * {@code syscon-poweroff} and {@code syscon-reboot}. A 32-bit write at offset 0 ends the machine:
 * <pre>
 *   0x5555                     pass: power off, exit status 0
 *   0x3333 | code &lt;&lt; 16     fail: exit status {@code code}
 *   0x7777                     reset
 * </pre>
 * Other values are ignored.
 */
public final class SifiveTest implements MmioOps {
    public static final long SIZE = 0x1000;
    static final int FAIL = 0x3333;
    static final int PASS = 0x5555;
    static final int RESET = 0x7777;

    /** How the guest ended the machine. */
    public sealed interface Outcome {
        /** Power-off (status 0) or a test failure with the guest's code. */
        record PowerOff(int status) implements Outcome {
        }

        record Reset() implements Outcome {
        }
    }

    private final Consumer<Outcome> listener;

    public SifiveTest(Consumer<Outcome> listener) {
        this.listener = listener;
    }

    @Override
    public AccessRules rules() {
        return AccessRules.adapted(2, 4, 4, 4);
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, long value, int size) {
        if (offset != 0) {
            return;
        }
        int status = (int) value & 0xffff;
        int code = (int) (value >>> 16) & 0xffff;
        switch (status) {
            case PASS -> listener.accept(new Outcome.PowerOff(0));
            case FAIL -> listener.accept(new Outcome.PowerOff(code));
            case RESET -> listener.accept(new Outcome.Reset());
            default -> {
                // Not a command: the finisher ignores it.
            }
        }
    }
}
