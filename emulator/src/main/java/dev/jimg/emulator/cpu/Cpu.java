package dev.jimg.emulator.cpu;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.RamRegion;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * One RV64GC hart with its MMU, attached to a system bus: the CPU of the machine.
 *
 * <p>{@link #run()} executes on the calling thread until {@link #stop()}: slices of
 * {@value #SLICE} instructions, between which it samples the timer, takes interrupts and runs the
 * machine's between-slices hook (console flushing). In WFI the thread parks until an interrupt is
 * pending, the timer deadline passes, or {@link IdleStrategy} lets virtual time jump there.
 *
 * <p>Devices raise interrupts with {@link #setInterruptPending} from any thread; it wakes a
 * sleeping hart.
 */
public final class Cpu {
    /** Instructions between checks of timers, interrupts from other threads and stop requests. */
    static final int SLICE = 1 << 14;
    /** mtime ticks at 10 MHz are 100 ns. */
    private static final long NANOS_PER_TICK = 100;
    /** Longest single host sleep in WFI, so that a lost wake-up costs at most this much. */
    private static final long MAX_PARK_NANOS = 50_000_000;

    private final Hart h;
    private final Mmu mmu;
    private final SystemUnit sys;
    private final Interpreter interpreter;
    private final HartTimer timer;
    private final IdleStrategy idle;
    private volatile boolean stopRequested;
    private volatile Thread thread;
    private Runnable betweenSlices = () -> { };

    public Cpu(int hartId, AddressSpace bus, RamRegion ram, HartTimer timer, IdleStrategy idle) {
        JitPolicy.apply();
        this.h = new Hart(hartId);
        this.timer = Objects.requireNonNull(timer, "timer");
        this.idle = Objects.requireNonNull(idle, "idle");
        this.mmu = new Mmu(h, bus, ram);
        CsrFile csrs = new CsrFile(h, mmu, timer);
        this.sys = new SystemUnit(h, mmu, csrs);
        FpUnit fpu = new FpUnit(h);
        fpu.attach(sys);
        this.interpreter = new Interpreter(h, mmu, sys, fpu);
    }

    /** Work to do between slices on the CPU thread (flushing console output, say). */
    public void setBetweenSlices(Runnable hook) {
        this.betweenSlices = Objects.requireNonNull(hook, "hook");
    }

    /** Resets the hart to M-mode at {@code pc} with cleared registers, PMP and TLBs. */
    public void reset(long pc) {
        h.reset(pc);
        mmu.pmp.reset();
        mmu.flushAll();
        mmu.modeChanged();
        sys.waiting = false;
        sys.yieldRequested = false;
        stopRequested = false;
    }

    public long pc() {
        return h.pc;
    }

    /** Integer register {@code i} (0..31). */
    public long register(int i) {
        return h.x[i];
    }

    public void setRegister(int i, long value) {
        if (i != 0) {
            h.x[i] = value;
        }
    }

    /** Floating-point register {@code i} as raw bits. */
    public long fpRegister(int i) {
        return h.f[i];
    }

    /** Instructions retired since reset. */
    public long retired() {
        return h.retired;
    }

    /** The current privilege: 0 user, 1 supervisor, 3 machine. */
    public int privilege() {
        return h.priv;
    }

    /** Drives a device interrupt into mip (MSIP 3, MTIP 7, SEIP 9, MEIP 11); any thread. */
    public void setInterruptPending(int irq, boolean level) {
        h.setDevicePending(1L << irq, level);
        if (level) {
            wake();
        }
    }

    /** Wakes the CPU thread if it sleeps in WFI. */
    public void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Asks {@link #run()} to return after the current slice; any thread. */
    public void stop() {
        stopRequested = true;
        wake();
    }

    public boolean isStopRequested() {
        return stopRequested;
    }

    /** Runs until {@link #stop()}. */
    public void run() {
        runFor(Long.MAX_VALUE);
    }

    /** Runs until {@link #stop()} or until about {@code instructions} have retired (whole slices). */
    public void runFor(long instructions) {
        thread = Thread.currentThread();
        long end = h.retired + instructions;
        try {
            while (!stopRequested && h.retired - end < 0) {
                sampleTimer();
                if (sys.waiting) {
                    if ((h.mip() & h.mie) == 0) {
                        waitForInterrupt();
                        continue;
                    }
                    sys.waiting = false;
                }
                interpreter.run(Math.min(SLICE, end - h.retired));
                betweenSlices.run();
            }
        } finally {
            betweenSlices.run();
            thread = null;
        }
    }

    private void sampleTimer() {
        boolean due = Long.compareUnsigned(timer.mtime(), timer.mtimecmp()) >= 0;
        h.setDevicePending(Csr.MIP_MTIP, due);
    }

    /**
     * WFI with nothing pending: if the timer can wake the hart, jump or sleep to its deadline;
     * otherwise sleep until a device wakes the hart.
     */
    private void waitForInterrupt() {
        betweenSlices.run();
        long deadline = timer.mtimecmp();
        // A compare value with the top bit set is how software says "no timer" (it is centuries away).
        boolean timerCanWake = (h.mie & Csr.MIP_MTIP) != 0 && deadline >= 0;
        long park = MAX_PARK_NANOS;
        if (timerCanWake) {
            long now = timer.mtime();
            if (deadline - now <= 0) {
                return;
            }
            if (idle.skipTo(deadline)) {
                return;
            }
            long ticks = deadline - now;
            park = ticks < MAX_PARK_NANOS / NANOS_PER_TICK ? ticks * NANOS_PER_TICK : MAX_PARK_NANOS;
        }
        if (!stopRequested && (h.mip() & h.mie) == 0) {
            LockSupport.parkNanos(this, park);
        }
    }

    // ---- package-private access for tests in this package --------------------------------------

    Hart hart() {
        return h;
    }
}
