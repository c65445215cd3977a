package dev.jimg.emulator.devices;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MmioOps;

/**
 * The platform-level interrupt controller as QEMU's {@code virt} configures SiFive's PLIC
 * ("RISC-V Platform-Level Interrupt Controller Specification" 1.0.0, chapter 8 memory map): 96
 * sources (1..96 usable, 0 means "none"), 7 priority levels, and two contexts for hart 0:
 * context 0 drives MEIP, context 1 drives SEIP.
 * <pre>
 *   0x000000 + 4*s        priority of source s
 *   0x001000 + 4*(s/32)   pending bits (read-only)
 *   0x002000 + 0x80*c     enable bits of context c
 *   0x200000 + 0x1000*c   priority threshold of context c
 *   0x200004 + 0x1000*c   claim (read) / complete (write) of context c
 * </pre>
 * Sources are level-triggered through the gateway: a high level is pending unless the source is
 * claimed and not yet completed; completing a source whose level is still high pends it again.
 */
public final class Plic implements MmioOps {
    public static final long SIZE = 0x600000;
    /** Interrupt sources, {@code riscv,ndev} in the device tree. */
    public static final int SOURCES = 96;
    public static final int CONTEXTS = 2;
    private static final int PRIORITY_MASK = 7;
    private static final long PENDING = 0x1000;
    private static final long ENABLE = 0x2000;
    private static final long ENABLE_STRIDE = 0x80;
    private static final long CONTEXT = 0x200000;
    private static final long CONTEXT_STRIDE = 0x1000;
    private static final int WORDS = (SOURCES + 1 + 31) / 32;

    private final IrqLine[] outputs;
    private final int[] priority = new int[SOURCES + 1];
    private final boolean[] level = new boolean[SOURCES + 1];
    private final boolean[] pending = new boolean[SOURCES + 1];
    private final boolean[] claimed = new boolean[SOURCES + 1];
    private final int[][] enable = new int[CONTEXTS][WORDS];
    private final int[] threshold = new int[CONTEXTS];

    /** @param outputs the interrupt wire of each context: M-mode external, S-mode external */
    public Plic(IrqLine... outputs) {
        if (outputs.length != CONTEXTS) {
            throw new IllegalArgumentException("the PLIC has " + CONTEXTS + " contexts, got " + outputs.length + " outputs");
        }
        this.outputs = outputs.clone();
    }

    /** The input wire of {@code source} (1..96) for a device to drive. */
    public IrqLine source(int source) {
        if (source < 1 || source > SOURCES) {
            throw new IllegalArgumentException("PLIC source " + source + " out of range 1.." + SOURCES);
        }
        return lvl -> setLevel(source, lvl);
    }

    @Override
    public AccessRules rules() {
        return AccessRules.sizes(4, 4);
    }

    private synchronized void setLevel(int source, boolean high) {
        level[source] = high;
        if (high && !claimed[source]) {
            pending[source] = true;
        } else if (!high) {
            pending[source] = false;
        }
        update();
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset < PENDING) {
            int s = (int) (offset / 4);
            return s <= SOURCES ? priority[s] : 0;
        }
        if (offset < ENABLE) {
            int word = (int) ((offset - PENDING) / 4);
            return word < WORDS ? pendingWord(word) : 0;
        }
        if (offset < CONTEXT) {
            int context = (int) ((offset - ENABLE) / ENABLE_STRIDE);
            int word = (int) ((offset - ENABLE) % ENABLE_STRIDE / 4);
            return context < CONTEXTS && word < WORDS ? enable[context][word] & 0xffff_ffffL : 0;
        }
        int context = (int) ((offset - CONTEXT) / CONTEXT_STRIDE);
        long register = (offset - CONTEXT) % CONTEXT_STRIDE;
        if (context >= CONTEXTS) {
            return 0;
        }
        if (register == 0) {
            return threshold[context];
        }
        if (register == 4) {
            return claim(context);
        }
        return 0;
    }

    @Override
    public synchronized void write(long offset, long value, int size) {
        if (offset < PENDING) {
            int s = (int) (offset / 4);
            if (s >= 1 && s <= SOURCES) {
                priority[s] = (int) value & PRIORITY_MASK;
            }
        } else if (offset < ENABLE) {
            return;
        } else if (offset < CONTEXT) {
            int context = (int) ((offset - ENABLE) / ENABLE_STRIDE);
            int word = (int) ((offset - ENABLE) % ENABLE_STRIDE / 4);
            if (context < CONTEXTS && word < WORDS) {
                enable[context][word] = word == 0 ? (int) value & ~1 : (int) value;
            }
        } else {
            int context = (int) ((offset - CONTEXT) / CONTEXT_STRIDE);
            long register = (offset - CONTEXT) % CONTEXT_STRIDE;
            if (context >= CONTEXTS) {
                return;
            }
            if (register == 0) {
                threshold[context] = (int) value & PRIORITY_MASK;
            } else if (register == 4) {
                complete(context, (int) value);
            }
        }
        update();
    }

    private long pendingWord(int word) {
        long bits = 0;
        for (int i = 0; i < 32; i++) {
            int s = word * 32 + i;
            if (s <= SOURCES && pending[s]) {
                bits |= 1L << i;
            }
        }
        return bits;
    }

    private boolean enabled(int context, int source) {
        return (enable[context][source >>> 5] & (1 << (source & 31))) != 0;
    }

    /** The best pending, enabled source above the context's threshold, or 0. */
    private int best(int context) {
        int best = 0;
        int bestPriority = threshold[context];
        for (int s = 1; s <= SOURCES; s++) {
            if (pending[s] && priority[s] > bestPriority && enabled(context, s)) {
                best = s;
                bestPriority = priority[s];
            }
        }
        return best;
    }

    private int claim(int context) {
        int s = best(context);
        if (s != 0) {
            pending[s] = false;
            claimed[s] = true;
            update();
        }
        return s;
    }

    private void complete(int context, int source) {
        if (source < 1 || source > SOURCES || !enabled(context, source)) {
            return;
        }
        claimed[source] = false;
        if (level[source]) {
            pending[source] = true;
        }
    }

    private void update() {
        for (int c = 0; c < CONTEXTS; c++) {
            outputs[c].set(best(c) != 0);
        }
    }
}
