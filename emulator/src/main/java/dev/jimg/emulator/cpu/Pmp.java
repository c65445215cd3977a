package dev.jimg.emulator.cpu;

/**
 * Physical memory protection (Privileged ISA 1.12, section 3.7): 16 entries, granularity 4 bytes
 * (G = 0), addresses of 56 bits, as QEMU's {@code virt} CPU.
 *
 * <pre>
 *   pmpNcfg (8 bits, packed eight to a register in pmpcfg0 and pmpcfg2 on RV64):
 *     bit 7 L (locked, also binds M-mode)   bits 4:3 A (0 OFF, 1 TOR, 2 NA4, 3 NAPOT)
 *     bit 2 X   bit 1 W   bit 0 R
 *   pmpaddrN: bits 55:2 of an address (54 bits)
 * </pre>
 *
 * The lowest-numbered entry that matches any byte of an access decides it, and must cover every
 * byte. An M-mode access no entry matches succeeds; an S- or U-mode access no entry matches fails
 * as soon as any entry is active. (QEMU instead refuses {@code mret} to a lower mode while no
 * entry is active; software that sets up PMP before dropping privilege, as all firmware does,
 * sees no difference.)
 */
final class Pmp {
    static final int ENTRIES = 16;
    static final int R = 1;
    static final int W = 2;
    static final int X = 4;
    private static final int A_SHIFT = 3;
    private static final int A_OFF = 0;
    private static final int A_TOR = 1;
    private static final int A_NA4 = 2;
    private static final int A_NAPOT = 3;
    private static final int LOCK = 0x80;
    /** pmpaddr holds address bits 55:2. */
    private static final long ADDR_MASK = (1L << 54) - 1;

    private final int[] cfg = new int[ENTRIES];
    private final long[] addr = new long[ENTRIES];
    /** Decoded ranges [start, end) of each entry; empty when the entry is off. */
    private final long[] start = new long[ENTRIES];
    private final long[] end = new long[ENTRIES];
    private int active;

    /** pmpcfg0 or pmpcfg2 (the odd ones do not exist on RV64). */
    long readCfg(int register) {
        long v = 0;
        int first = register * 4;
        for (int i = 0; i < 8; i++) {
            v |= (long) cfg[first + i] << (8 * i);
        }
        return v;
    }

    void writeCfg(int register, long value) {
        int first = register * 4;
        for (int i = 0; i < 8; i++) {
            int e = first + i;
            if ((cfg[e] & LOCK) == 0) {
                cfg[e] = (int) (value >>> (8 * i)) & 0xff;
            }
        }
        recompute();
    }

    long readAddr(int entry) {
        return addr[entry];
    }

    void writeAddr(int entry, long value) {
        if ((cfg[entry] & LOCK) != 0) {
            return;
        }
        if (entry + 1 < ENTRIES && mode(entry + 1) == A_TOR && (cfg[entry + 1] & LOCK) != 0) {
            return;
        }
        addr[entry] = value & ADDR_MASK;
        recompute();
    }

    private int mode(int entry) {
        return (cfg[entry] >>> A_SHIFT) & 3;
    }

    private void recompute() {
        active = 0;
        for (int e = 0; e < ENTRIES; e++) {
            long a = addr[e];
            switch (mode(e)) {
                case A_TOR -> {
                    start[e] = e == 0 ? 0 : addr[e - 1] << 2;
                    end[e] = a << 2;
                }
                case A_NA4 -> {
                    start[e] = a << 2;
                    end[e] = (a << 2) + 4;
                }
                case A_NAPOT -> {
                    int ones = Long.numberOfTrailingZeros(~a);
                    if (ones >= 54) {
                        start[e] = 0;
                        end[e] = 1L << 56;
                    } else {
                        long size = 1L << (ones + 3);
                        start[e] = (a << 2) & -size;
                        end[e] = start[e] + size;
                    }
                }
                default -> {
                    start[e] = 0;
                    end[e] = 0;
                }
            }
            if (mode(e) != A_OFF) {
                active++;
            }
        }
    }

    /**
     * Whether an access of {@code size} bytes at {@code pa} with permission {@code perm} (R, W or X)
     * from privilege {@code priv} is allowed. With {@code size} a page, a true answer holds for every
     * access inside the page, which is what the TLB relies on.
     */
    boolean allows(long pa, long size, int perm, int priv) {
        if (active == 0) {
            return true;
        }
        long last = pa + size - 1;
        for (int e = 0; e < ENTRIES; e++) {
            if (start[e] >= end[e]) {
                continue;
            }
            boolean touches = last >= start[e] && pa < end[e];
            if (!touches) {
                continue;
            }
            boolean covers = pa >= start[e] && last < end[e];
            if (!covers) {
                return false;
            }
            if (priv == Hart.PRV_M && (cfg[e] & LOCK) == 0) {
                return true;
            }
            return (cfg[e] & perm) != 0;
        }
        return priv == Hart.PRV_M;
    }

    void reset() {
        java.util.Arrays.fill(cfg, 0);
        java.util.Arrays.fill(addr, 0);
        recompute();
    }
}
