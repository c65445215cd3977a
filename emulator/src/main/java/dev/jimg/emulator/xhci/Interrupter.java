package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.BusErrorException;

/**
 * One interrupter: its registers in the runtime space and the event ring it fills (xHCI 1.2,
 * sections 4.9.4, 4.17 and 5.5.2).
 * <pre>
 *   0x00 IMAN    IP (0, write 1 to clear), IE (1)
 *   0x04 IMOD    IMODI (15:0, interval in 250 ns units), IMODC (31:16, reads 0 here)
 *   0x08 ERSTSZ  event ring segment table size (15:0)
 *   0x10 ERSTBA  segment table base (64-byte aligned); writing it (re)starts the ring
 *   0x18 ERDP    dequeue pointer (63:4), EHB (3, write 1 to clear), DESI (2:0)
 *   segment table entry (16 bytes): 0 ring segment base (64-byte aligned), 8 size in TRBs (15:0)
 * </pre>
 *
 * <h2>Moderation</h2>
 * An event posted with interrupts allowed makes an interrupt pending. The pending interrupt sets IP
 * (and EHB) once EHB is clear and IMODI has elapsed since the previous one; until then a timer
 * waits (as host work, so idle time is not skipped past it). When software clears EHB in ERDP with
 * events still beyond its dequeue pointer, an interrupt is pending again (section 4.17.2).
 *
 * <h2>Full ring</h2>
 * One slot stays free for an Event Ring Full Error; events that do not fit after it are dropped
 * and reported as warnings (a real controller would stall; a driver that keeps its ring drained
 * never sees either).
 *
 * <p>All methods run under the controller's lock.
 */
final class Interrupter {
    static final int IMAN_IP = 1;
    static final int IMAN_IE = 2;
    static final int ERDP_EHB = 8;
    /** IMODI counts 250 ns units. */
    static final long IMOD_UNIT_NANOS = 250;
    /** The event ring segment table holds at most 2^ERST Max entries (HCSPARAMS2). */
    static final int ERST_MAX_LOG2 = 4;
    private static final int ERST_ENTRY = 16;
    /** IMODI's reset value (section 5.5.2.2): 4000 units of 250 ns, 1 ms. Linux sets 40 µs. */
    static final int IMODI_DEFAULT = 4000;

    private final int index;
    private final XhciController controller;

    private boolean ip;
    private boolean ie;
    private int imodi = IMODI_DEFAULT;
    private int erstsz;
    private long erstba;
    private long erdp;
    private boolean ehb;

    private boolean ringValid;
    private long[] segmentBase = new long[0];
    private int[] segmentSize = new int[0];
    private int segment;
    private int slot;
    private boolean cycle;
    private boolean fullReported;

    private boolean pending;
    private long lastInterruptNanos = Long.MIN_VALUE / 2;
    private boolean timerArmed;

    Interrupter(int index, XhciController controller) {
        this.index = index;
        this.controller = controller;
    }

    void reset() {
        ip = false;
        ie = false;
        imodi = IMODI_DEFAULT;
        erstsz = 0;
        erstba = 0;
        erdp = 0;
        ehb = false;
        ringValid = false;
        pending = false;
        fullReported = false;
    }

    /** Whether this interrupter asks for the INTx line: IP with IE. */
    boolean asserting() {
        return ip && ie;
    }

    long read(int offset) {
        return switch (offset) {
            case 0x00 -> (ip ? IMAN_IP : 0) | (ie ? IMAN_IE : 0);
            case 0x04 -> imodi;
            case 0x08 -> erstsz;
            case 0x10 -> erstba & 0xffff_ffffL;
            case 0x14 -> erstba >>> 32;
            case 0x18 -> (erdp & 0xffff_ffffL & ~0xfL) | (ehb ? ERDP_EHB : 0) | (erdp & 7);
            case 0x1c -> erdp >>> 32;
            default -> 0;
        };
    }

    void write(int offset, long value) {
        switch (offset) {
            case 0x00 -> {
                if ((value & IMAN_IP) != 0) {
                    ip = false;
                }
                ie = (value & IMAN_IE) != 0;
                controller.updateInterrupt();
            }
            case 0x04 -> imodi = (int) (value & 0xffff);
            case 0x08 -> erstsz = (int) (value & 0xffff);
            case 0x10 -> {
                erstba = erstba & ~0xffff_ffffL | value & 0xffff_ffc0L;
                startRing();
            }
            case 0x14 -> {
                erstba = erstba & 0xffff_ffffL | value << 32;
                startRing();
            }
            case 0x18 -> {
                erdp = erdp & ~0xffff_ffffL | value & 0xffff_fff7L;
                if ((value & ERDP_EHB) != 0) {
                    ehb = false;
                }
                dequeueMoved();
            }
            case 0x1c -> {
                erdp = erdp & 0xffff_ffffL | value << 32;
                dequeueMoved();
            }
            default -> {
                // reserved
            }
        }
    }

    /** Writing ERSTBA points the enqueue pointer at the first segment with cycle state 1 (section 4.9.4). */
    private void startRing() {
        ringValid = false;
        segment = 0;
        slot = 0;
        cycle = true;
        fullReported = false;
    }

    private boolean loadRing() {
        if (ringValid) {
            return true;
        }
        int entries = Math.min(erstsz, 1 << ERST_MAX_LOG2);
        if (entries == 0) {
            return false;
        }
        AddressSpace memory = controller.memory();
        segmentBase = new long[entries];
        segmentSize = new int[entries];
        try {
            for (int i = 0; i < entries; i++) {
                segmentBase[i] = memory.read(erstba + (long) i * ERST_ENTRY, 8) & ~0x3fL;
                segmentSize[i] = (int) memory.read(erstba + (long) i * ERST_ENTRY + 8, 4) & 0xffff;
                if (segmentSize[i] == 0) {
                    return false;
                }
            }
        } catch (BusErrorException e) {
            controller.warn("interrupter " + index + ": the event ring segment table at 0x" + Long.toHexString(erstba)
                    + " is not in guest memory");
            return false;
        }
        ringValid = true;
        return true;
    }

    private long enqueueAddress() {
        return segmentBase[segment] + (long) slot * Trb.SIZE;
    }

    /** The enqueue position after the current one. */
    private long followingAddress() {
        int s = segment;
        int n = slot + 1;
        if (n == segmentSize[s]) {
            s = (s + 1) % segmentBase.length;
            n = 0;
        }
        return segmentBase[s] + (long) n * Trb.SIZE;
    }

    /** Writes {@code event} to the ring; {@code interrupt} false for BEI. */
    void post(Trb event, boolean interrupt) {
        if (!loadRing()) {
            controller.warn("interrupter " + index + " has no event ring; an event was dropped: " + event);
            return;
        }
        if (followingAddress() == (erdp & ~0xfL)) {
            if (!fullReported) {
                fullReported = true;
                write(Trb.event(Trb.HOST_CONTROLLER_EVENT, 0, CompletionCode.EVENT_RING_FULL, 0, 0, 0, false));
                pending = true;
                evaluate();
            }
            controller.warn("interrupter " + index + ": the event ring is full; an event was dropped: " + event);
            return;
        }
        write(event);
        if (interrupt) {
            pending = true;
            evaluate();
        }
    }

    /** Writes the TRB with the producer cycle bit, control dword last, and advances. */
    private void write(Trb event) {
        long at = enqueueAddress();
        AddressSpace memory = controller.memory();
        try {
            memory.write(at, 8, event.parameter());
            memory.write(at + 8, 4, event.status() & 0xffff_ffffL);
            memory.write(at + 12, 4, (event.control() & ~Trb.CYCLE | (cycle ? Trb.CYCLE : 0)) & 0xffff_ffffL);
        } catch (BusErrorException e) {
            controller.warn("interrupter " + index + ": the event ring segment at 0x" + Long.toHexString(at)
                    + " is not in guest memory");
            return;
        }
        slot++;
        if (slot == segmentSize[segment]) {
            slot = 0;
            segment++;
            if (segment == segmentBase.length) {
                segment = 0;
                cycle = !cycle;
            }
        }
    }

    private void dequeueMoved() {
        if (ringValid && (erdp & ~0xfL) != enqueueAddress()) {
            pending = true;
        }
        if (ringValid && followingAddress() != (erdp & ~0xfL)) {
            fullReported = false;
        }
        evaluate();
    }

    /** Sets IP if an interrupt is pending and moderation lets it through; otherwise arms the timer. */
    void evaluate() {
        if (!pending || ehb) {
            return;
        }
        long now = controller.nanos();
        long due = lastInterruptNanos + imodi * IMOD_UNIT_NANOS;
        if (now >= due) {
            pending = false;
            ip = true;
            ehb = true;
            lastInterruptNanos = now;
            controller.interruptPosted();
        } else if (!timerArmed) {
            timerArmed = true;
            controller.after(due - now, () -> {
                timerArmed = false;
                evaluate();
            });
        }
    }
}
