package dev.jimg.emulator.pci;

import dev.jimg.emulator.memory.IrqLine;

/**
 * INTx wiring of a host bridge with four interrupt lines, rotated by slot as the PCI-to-PCI
 * bridge specification's "swizzle" (PCI-to-PCI Bridge Architecture 1.2, table 9-1): pin
 * {@code p} (1 = INTA) of slot {@code s} reaches line {@code (s + p - 1) mod 4}. This is the
 * routing QEMU's generic host bridge uses and its device tree's {@code interrupt-map} describes.
 *
 * <p>Several functions share each line, and INTx is level-triggered, so a line is the wired OR of
 * the pins reaching it: high while any of them is asserted.
 */
public final class IntxSwizzle implements PciBus.IntxRouting {
    /** INTA..INTD. */
    public static final int LINES = 4;

    private final IrqLine[] lines;
    /** Asserted pins per line, one bit per (slot, pin). */
    private final long[][] asserted = new long[LINES][2];

    /** @param lines the four interrupt-controller inputs, for swizzled lines 0..3 */
    public IntxSwizzle(IrqLine... lines) {
        if (lines.length != LINES) {
            throw new IllegalArgumentException("INTx routing needs " + LINES + " lines, got " + lines.length);
        }
        this.lines = lines.clone();
    }

    /** The line {@code pin} of {@code slot} reaches. */
    public static int lineOf(int slot, int pin) {
        return (slot + pin - 1) % LINES;
    }

    @Override
    public IrqLine line(int slot, int pin) {
        if (pin < 1 || pin > LINES) {
            throw new IllegalArgumentException("INTx pin " + pin + " is not one of 1 (INTA) .. 4 (INTD)");
        }
        int line = lineOf(slot, pin);
        int bit = slot * LINES + pin - 1;
        return level -> set(line, bit, level);
    }

    private synchronized void set(int line, int bit, boolean level) {
        long[] bits = asserted[line];
        boolean before = bits[0] != 0 || bits[1] != 0;
        if (level) {
            bits[bit >>> 6] |= 1L << bit;
        } else {
            bits[bit >>> 6] &= ~(1L << bit);
        }
        boolean after = bits[0] != 0 || bits[1] != 0;
        if (before != after) {
            lines[line].set(after);
        }
    }
}
