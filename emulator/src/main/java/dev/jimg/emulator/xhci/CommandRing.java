package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.BusErrorException;
import dev.jimg.emulator.usb.SerialWorker;

/**
 * The command ring and its control register CRCR (xHCI 1.2, sections 4.6.1 and 5.4.5):
 * <pre>
 *   CRCR: RCS (0) ring cycle state, CS (1) command stop, CA (2) command abort, CRR (3) running
 *         (the only bit that reads back), 63:6 ring pointer (written only while not running)
 * </pre>
 * Ringing doorbell 0 runs the ring: commands execute in order on their own virtual thread (a
 * Stop Endpoint may wait for a device to finish a transfer, which must not block the CPU), each
 * followed by a Command Completion Event. CS and CA stop the ring after the command being executed,
 * with a Command Ring Stopped event pointing at the next command.
 */
final class CommandRing {
    static final int RCS = 1;
    static final int CS = 1 << 1;
    static final int CA = 1 << 2;
    static final int CRR = 1 << 3;

    private final XhciController controller;
    private final Commands commands;
    private final SerialWorker worker;
    private Ring.Position dequeue = new Ring.Position(0, false);
    private boolean running;
    private boolean executing;
    private boolean stopRequested;

    CommandRing(XhciController controller) {
        this.controller = controller;
        this.commands = new Commands(controller);
        this.worker = new SerialWorker("xhci-commands", controller::warn, controller.work());
    }

    long readCrcr() {
        return running ? CRR : 0;
    }

    void writeCrcr(int v) {
        if (running) {
            if ((v & (CS | CA)) != 0) {
                stopRequested = true;
                if (!executing) {
                    stop();
                }
            }
            return;
        }
        dequeue = new Ring.Position(dequeue.address() & ~0xffff_ffffL | v & 0xffff_ffc0L, (v & RCS) != 0);
    }

    void writeCrcrHigh(int v) {
        if (!running) {
            dequeue = new Ring.Position(dequeue.address() & 0xffff_ffffL | (v & 0xffff_ffffL) << 32, dequeue.cycle());
        }
    }

    void doorbell() {
        running = true;
        worker.execute(this::process);
    }

    /** R/S cleared: the ring stops (CRR reads 0). */
    void halted() {
        running = false;
    }

    void reset() {
        dequeue = new Ring.Position(0, false);
        running = false;
        stopRequested = false;
    }

    private void stop() {
        running = false;
        stopRequested = false;
        controller.postEvent(0, Trb.event(Trb.COMMAND_COMPLETION_EVENT, dequeue.address(),
                CompletionCode.COMMAND_RING_STOPPED, 0, 0, 0, false));
    }

    /** Executes commands until the ring is empty, stopped, or the controller halts. */
    private void process() {
        synchronized (controller) {
            while (running && controller.running() && controller.dmaAllowed()) {
                if (stopRequested) {
                    stop();
                    return;
                }
                Ring.Step step;
                try {
                    step = Ring.read(controller.memory(), dequeue);
                } catch (Ring.BrokenRingException | BusErrorException e) {
                    controller.warn("the command ring at 0x" + Long.toHexString(dequeue.address())
                            + " cannot be read: " + e.getMessage());
                    running = false;
                    return;
                }
                if (step == null) {
                    return;
                }
                Commands.Result r;
                executing = true;
                try {
                    r = commands.execute(step.trb());
                } catch (XhciController.ResetException e) {
                    return;
                } finally {
                    executing = false;
                }
                dequeue = step.next();
                controller.postEvent(0, Trb.event(Trb.COMMAND_COMPLETION_EVENT, step.trb().address(), r.code(),
                        r.parameter(), r.slotId(), 0, false));
            }
        }
    }
}
