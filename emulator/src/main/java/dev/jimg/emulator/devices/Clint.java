package dev.jimg.emulator.devices;

import dev.jimg.emulator.cpu.HartTimer;
import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MmioOps;

/**
 * The core-local interruptor of one hart, laid out as SiFive's CLINT (the ACLINT MSWI and MTIMER
 * devices at their QEMU {@code virt} offsets, "RISC-V ACLINT" specification, sections 2 and 3):
 * <pre>
 *   0x0000  msip      (32 bits, bit 0: machine software interrupt pending)
 *   0x4000  mtimecmp  (64 bits)
 *   0xbff8  mtime     (64 bits)
 * </pre>
 * Writes to mtime shift the hart's view of the clock.
 */
public final class Clint implements MmioOps, HartTimer {
    public static final long SIZE = 0x10000;
    private static final long MSIP = 0x0000;
    private static final long MTIMECMP = 0x4000;
    private static final long MTIME = 0xbff8;

    private final VirtualClock clock;
    private final IrqLine softwareInterrupt;
    private final IrqLine timerInterrupt;
    private volatile long mtimecmp = -1;
    private volatile long mtimeDelta;
    private volatile int msip;

    /**
     * @param softwareInterrupt the hart's MSIP
     * @param timerInterrupt    the hart's MTIP, driven when mtimecmp or mtime is written (the hart
     *                          also samples {@link #mtime()} against {@link #mtimecmp()} itself)
     */
    public Clint(VirtualClock clock, IrqLine softwareInterrupt, IrqLine timerInterrupt) {
        this.clock = clock;
        this.softwareInterrupt = softwareInterrupt;
        this.timerInterrupt = timerInterrupt;
    }

    @Override
    public AccessRules rules() {
        return AccessRules.adapted(4, 8, 4, 8);
    }

    @Override
    public long mtime() {
        return clock.ticks() + mtimeDelta;
    }

    @Override
    public long mtimecmp() {
        return mtimecmp;
    }

    @Override
    public long read(long offset, int size) {
        if (offset == MSIP) {
            return msip;
        }
        if (offset >= MTIMECMP && offset < MTIMECMP + 8) {
            return part(mtimecmp, offset - MTIMECMP, size);
        }
        if (offset >= MTIME && offset < MTIME + 8) {
            return part(mtime(), offset - MTIME, size);
        }
        return 0;
    }

    @Override
    public void write(long offset, long value, int size) {
        if (offset == MSIP) {
            msip = (int) value & 1;
            softwareInterrupt.set(msip != 0);
        } else if (offset >= MTIMECMP && offset < MTIMECMP + 8) {
            mtimecmp = merge(mtimecmp, offset - MTIMECMP, size, value);
            updateTimer();
        } else if (offset >= MTIME && offset < MTIME + 8) {
            long now = mtime();
            mtimeDelta += merge(now, offset - MTIME, size, value) - now;
            updateTimer();
        }
    }

    private void updateTimer() {
        timerInterrupt.set(Long.compareUnsigned(mtime(), mtimecmp) >= 0);
    }

    private static long part(long value, long byteOffset, int size) {
        long v = value >>> (byteOffset * 8);
        return size == 8 ? v : v & 0xffff_ffffL;
    }

    private static long merge(long old, long byteOffset, int size, long value) {
        if (size == 8) {
            return value;
        }
        int shift = (int) byteOffset * 8;
        long mask = 0xffff_ffffL << shift;
        return (old & ~mask) | ((value & 0xffff_ffffL) << shift);
    }
}
