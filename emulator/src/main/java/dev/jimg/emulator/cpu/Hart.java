package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Csr.*;

import dev.jimg.emulator.fpu.FloatFlags;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The architectural state of one RV64GC hart and the state transitions the Privileged ISA defines
 * on it: trap entry with delegation (section 3.1.8 and 4.1), {@code mret}/{@code sret} (3.3.2),
 * and which pending interrupt is taken (3.1.9).
 *
 * <p>Fields are package-private and plain: only the CPU thread touches them. The exception is
 * {@link #mipDevices}, the interrupt-pending bits driven by devices, which other threads update
 * atomically; the CPU samples it between instruction slices.
 */
public final class Hart {
    static final int PRV_U = 0;
    static final int PRV_S = 1;
    static final int PRV_M = 3;

    /** misa: MXL 2 (RV64) and the extensions A, C, D, F, I, M, S, U. */
    static final long MISA = 2L << 62 | ext('A') | ext('C') | ext('D') | ext('F') | ext('I') | ext('M') | ext('S')
            | ext('U');

    private static final VarHandle MIP_DEVICES;
    private static final int[] PRIORITY = {IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI};

    static {
        try {
            MIP_DEVICES = MethodHandles.lookup().findVarHandle(Hart.class, "mipDevices", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** x0..x31, and slot 32 that writes to x0 land in. */
    final long[] x = new long[Op.DISCARD + 1];
    /** f0..f31 as raw bits; single-precision values are NaN-boxed. */
    final long[] f = new long[32];
    long pc;
    int priv = PRV_M;

    long mstatus = MSTATUS_UXL_SXL_64;
    long medeleg;
    long mideleg;
    long mie;
    /** The mip bits software wrote (SSIP, STIP, SEIP); the device-driven ones are in mipDevices. */
    long mipSoftware;
    @SuppressWarnings("unused") // accessed through MIP_DEVICES
    private volatile long mipDevices;
    long mtvec;
    long stvec;
    long mepc;
    long sepc;
    long mcause;
    long scause;
    long mtval;
    long stval;
    long mscratch;
    long sscratch;
    long satp;
    long mcounteren;
    long scounteren;
    long mcountinhibit;
    long menvcfg;
    long senvcfg;
    /** The accrued exception flags (fflags), which the FP operations OR into. */
    final FloatFlags fpFlags = new FloatFlags();
    int frm;
    /** The address an LR reserved, or -1. */
    long reservation = -1;

    /** Instructions retired since reset; cycles are the same count. */
    long retired;
    final Counter cycles = new Counter();
    final Counter instret = new Counter();

    final Trap trap = new Trap();
    final int hartId;

    Hart(int hartId) {
        this.hartId = hartId;
    }

    private static long ext(char letter) {
        return 1L << (letter - 'A');
    }

    /** The interrupt-pending bits as software reads mip. */
    long mip() {
        return mipSoftware | (long) MIP_DEVICES.getVolatile(this);
    }

    /** Drives device interrupt bits (MSIP, MTIP, MEIP, and the external part of SEIP); any thread. */
    void setDevicePending(long bits, boolean level) {
        long old;
        long updated;
        do {
            old = (long) MIP_DEVICES.getVolatile(this);
            updated = level ? old | bits : old & ~bits;
        } while (old != updated && !MIP_DEVICES.compareAndSet(this, old, updated));
    }

    long readMstatus() {
        long v = mstatus;
        if ((v & MSTATUS_FS) == MSTATUS_FS) {
            v |= MSTATUS_SD;
        }
        return v;
    }

    boolean fpEnabled() {
        return (mstatus & MSTATUS_FS) != 0;
    }

    void markFpDirty() {
        mstatus |= MSTATUS_FS;
    }

    /**
     * The interrupt to take now, or -1: pending and enabled in mie, and enabled globally for the
     * mode it goes to (always when that mode is more privileged than the current one).
     */
    int pendingInterrupt() {
        long pending = mip() & mie;
        if (pending == 0) {
            return -1;
        }
        long toM = pending & ~mideleg;
        boolean mEnabled = priv < PRV_M || (mstatus & MSTATUS_MIE) != 0;
        if (mEnabled && toM != 0) {
            return highestPriority(toM);
        }
        long toS = pending & mideleg;
        boolean sEnabled = priv < PRV_S || (priv == PRV_S && (mstatus & MSTATUS_SIE) != 0);
        if (sEnabled && toS != 0) {
            return highestPriority(toS);
        }
        return -1;
    }

    /** Priority order of section 3.1.9: MEI, MSI, MTI, SEI, SSI, STI. */
    private static int highestPriority(long irqs) {
        for (int irq : PRIORITY) {
            if ((irqs & (1L << irq)) != 0) {
                return irq;
            }
        }
        throw new IllegalStateException("no known interrupt in 0x" + Long.toHexString(irqs));
    }

    /**
     * Enters the trap handler for {@code cause} at {@link #pc}: to S-mode if the trap is delegated
     * and the hart is not in M-mode, else to M-mode. Interrupts use vectored mode when the handler
     * base asks for it.
     */
    void enterTrap(int cause, long tval, boolean interrupt) {
        long delegation = interrupt ? mideleg : medeleg;
        long causeValue = interrupt ? (1L << 63) | cause : cause;
        if (priv <= PRV_S && ((delegation >>> cause) & 1) != 0) {
            scause = causeValue;
            sepc = pc;
            stval = tval;
            long s = mstatus;
            s = (s & MSTATUS_SIE) != 0 ? s | MSTATUS_SPIE : s & ~MSTATUS_SPIE;
            s = priv == PRV_S ? s | MSTATUS_SPP : s & ~MSTATUS_SPP;
            mstatus = s & ~MSTATUS_SIE;
            priv = PRV_S;
            pc = handler(stvec, cause, interrupt);
        } else {
            mcause = causeValue;
            mepc = pc;
            mtval = tval;
            long s = mstatus;
            s = (s & MSTATUS_MIE) != 0 ? s | MSTATUS_MPIE : s & ~MSTATUS_MPIE;
            s = (s & ~MSTATUS_MPP) | (long) priv << MSTATUS_MPP_SHIFT;
            mstatus = s & ~MSTATUS_MIE;
            priv = PRV_M;
            pc = handler(mtvec, cause, interrupt);
        }
    }

    private static long handler(long tvec, int cause, boolean interrupt) {
        long base = tvec & ~3L;
        return interrupt && (tvec & 3) == 1 ? base + 4L * cause : base;
    }

    /** {@code mret}: back to the mode in MPP (section 3.3.2). */
    void mret() {
        long s = mstatus;
        int target = (int) ((s & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT);
        s = (s & MSTATUS_MPIE) != 0 ? s | MSTATUS_MIE : s & ~MSTATUS_MIE;
        s |= MSTATUS_MPIE;
        s &= ~MSTATUS_MPP;
        if (target != PRV_M) {
            s &= ~MSTATUS_MPRV;
        }
        mstatus = s;
        priv = target;
        pc = mepc;
    }

    /** {@code sret}: back to the mode in SPP. */
    void sret() {
        long s = mstatus;
        int target = (s & MSTATUS_SPP) != 0 ? PRV_S : PRV_U;
        s = (s & MSTATUS_SPIE) != 0 ? s | MSTATUS_SIE : s & ~MSTATUS_SIE;
        s |= MSTATUS_SPIE;
        s &= ~MSTATUS_SPP;
        s &= ~MSTATUS_MPRV;
        mstatus = s;
        priv = target;
        pc = sepc;
    }

    /** The privilege loads and stores are checked with: MPP when MPRV is set in M-mode. */
    int dataPrivilege() {
        if (priv == PRV_M && (mstatus & MSTATUS_MPRV) != 0) {
            return (int) ((mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT);
        }
        return priv;
    }

    /** Reset state (section 3.4): M-mode, MIE and MPRV clear, misa full, pc at the reset vector. */
    void reset(long resetVector) {
        java.util.Arrays.fill(x, 0);
        java.util.Arrays.fill(f, 0);
        pc = resetVector;
        priv = PRV_M;
        mstatus = MSTATUS_UXL_SXL_64;
        medeleg = 0;
        mideleg = 0;
        mie = 0;
        mipSoftware = 0;
        mtvec = 0;
        stvec = 0;
        mepc = 0;
        sepc = 0;
        mcause = 0;
        scause = 0;
        mtval = 0;
        stval = 0;
        mscratch = 0;
        sscratch = 0;
        satp = 0;
        mcounteren = 0;
        scounteren = 0;
        mcountinhibit = 0;
        menvcfg = 0;
        senvcfg = 0;
        fpFlags.bits = 0;
        frm = 0;
        reservation = -1;
    }
}
