package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.BusErrorException;
import dev.jimg.emulator.usb.UsbTransfer;

/**
 * One endpoint of a device slot and its transfer ring (xHCI 1.2, sections 4.8.3 and 4.10): TDs
 * are taken from the ring one at a time, handed to the USB device as {@link UsbTransfer}s, and
 * turned into Transfer Events when the device completes them.
 *
 * <h2>Stopping without losing data</h2>
 * An endpoint is stopped (Stop Endpoint, and before Disable Slot, Reset Device, or a Configure
 * Endpoint that drops it) by {@link #quiesce()}: the TD in flight is cancelled if the device has
 * not claimed it (nothing moved: the dequeue pointer stays on its first TRB and it runs again when
 * the ring is restarted), or else waited for: the device finishes it in bounded time, its events
 * are posted and the dequeue pointer moves past it. Either way what the ring says moved is exactly
 * what moved. QEMU's model instead drops the packet ("xhci: FIXME: endpoint stopped w/ xfers
 * running, data might be lost").
 *
 * <p>All methods run under the controller's lock; device completions take it.
 */
final class Endpoint implements UsbTransfer.Host {
    /** Endpoint states as the context's EP State field encodes them (table 6-8). */
    enum State {
        DISABLED, RUNNING, HALTED, STOPPED, ERROR
    }

    private final XhciController controller;
    private final DeviceSlot slot;
    private final int dci;
    private final int type;
    private int maxPacketSize;
    private State state = State.RUNNING;
    private Ring.Position dequeue;

    private TransferDescriptor inflight;
    private UsbTransfer transfer;
    private boolean stopping;
    /** Set while a transfer is being submitted: a completion arriving inside it is handled by the loop. */
    private boolean submitting;
    private UsbTransfer.Status syncStatus;
    private int syncActual;

    Endpoint(XhciController controller, DeviceSlot slot, int dci, int type, int maxPacketSize, Ring.Position dequeue) {
        this.controller = controller;
        this.slot = slot;
        this.dci = dci;
        this.type = type;
        this.maxPacketSize = maxPacketSize;
        this.dequeue = dequeue;
    }

    int dci() {
        return dci;
    }

    State state() {
        return state;
    }

    Ring.Position dequeue() {
        return dequeue;
    }

    void setMaxPacketSize(int size) {
        maxPacketSize = size;
    }

    int maxPacketSize() {
        return maxPacketSize;
    }

    private boolean control() {
        return type == Contexts.EP_TYPE_CONTROL;
    }

    /** The USB endpoint number: DCI 1 is endpoint 0; DCI 2n and 2n + 1 are OUT and IN endpoint n. */
    private int number() {
        return dci / 2;
    }

    /** Changes the state and writes it, with the dequeue pointer, to the output endpoint context. */
    void setState(State s) {
        state = s;
        writeContext();
    }

    /** Set TR Dequeue Pointer. */
    void setDequeue(Ring.Position p) {
        dequeue = p;
        writeContext();
    }

    void writeContext() {
        slot.writeEndpointContext(dci, state.ordinal(), dequeue.withCycle());
    }

    // ---------------------------------------------------------------- running the ring

    /** The doorbell: a stopped endpoint runs again; a running one looks for new TDs. */
    void ring() {
        if (state == State.STOPPED) {
            setState(State.RUNNING);
        }
        process();
    }

    private void process() {
        while (state == State.RUNNING && inflight == null && !stopping && controller.running()) {
            TransferDescriptor td;
            try {
                td = TransferDescriptor.read(controller.memory(), dequeue, control(), type >= Contexts.EP_TYPE_FIRST_IN);
            } catch (TransferDescriptor.Malformed e) {
                controller.warn("slot " + slot.id() + " endpoint " + dci + ": " + e.getMessage());
                fail(e.trb, CompletionCode.TRB_ERROR);
                return;
            } catch (BusErrorException e) {
                controller.warn("slot " + slot.id() + " endpoint " + dci + ": the transfer ring at 0x"
                        + Long.toHexString(dequeue.address()) + " is not in guest memory");
                fail(dequeue.address(), CompletionCode.TRB_ERROR);
                return;
            }
            if (td == null) {
                return;
            }
            if (td.noOp()) {
                finish(td, UsbTransfer.Status.COMPLETED, 0);
                continue;
            }
            if (!td.buffer().mapped()) {
                controller.warn("slot " + slot.id() + " endpoint " + dci + ": a TD at 0x" + Long.toHexString(td.firstTrb())
                        + " points outside guest memory");
                fail(td.firstTrb(), CompletionCode.DATA_BUFFER_ERROR);
                return;
            }
            inflight = td;
            transfer = new UsbTransfer(number(), td.in(), td.setup(), td.buffer(), this);
            syncStatus = null;
            submitting = true;
            try {
                slot.port().device().submit(transfer);
            } finally {
                submitting = false;
            }
            if (syncStatus == null) {
                return;
            }
            finish(td, syncStatus, syncActual);
        }
    }

    /** An error the controller found in the ring: an event on {@code trb}, the endpoint halted there. */
    private void fail(long trb, int code) {
        controller.postTransferEvent(slot, dci, trb, code, 0, false);
        setState(State.HALTED);
    }

    @Override
    public void claimed(UsbTransfer t) {
        controller.work().begin();
    }

    @Override
    public void completed(UsbTransfer t, UsbTransfer.Status status, int actual) {
        try {
            synchronized (controller) {
                if (t != transfer) {
                    controller.abandonedTransferEnded();
                    return;
                }
                if (submitting) {
                    syncStatus = status;
                    syncActual = actual;
                    return;
                }
                finish(inflight, status, actual);
                controller.notifyAll();
                process();
            }
        } finally {
            // Only now: the guest must not skip ahead between the data and the event saying so.
            controller.work().end();
        }
    }

    /** Posts the TD's events and moves the dequeue pointer past it, or halts where the device stalled. */
    private void finish(TransferDescriptor td, UsbTransfer.Status status, int actual) {
        inflight = null;
        transfer = null;
        TransferDescriptor.Outcome outcome = td.complete(status, actual);
        for (TransferDescriptor.Event e : outcome.events()) {
            controller.postTransferEvent(slot, dci, e.parameter(), e.code(), e.length(), e.eventData());
        }
        if (outcome.haltedAt() != null) {
            dequeue = outcome.haltedAt();
            setState(State.HALTED);
        } else {
            dequeue = td.end();
        }
    }

    /**
     * Brings the endpoint to rest for a command: returns the TD that was rolled back (its dequeue
     * pointer is back on its first TRB), or {@code null} if nothing was in flight or the TD in
     * flight completed. Waits (releasing the lock) while the device finishes a claimed TD.
     *
     * @throws XhciController.ResetException if a controller reset intervened
     */
    TransferDescriptor quiesce() {
        if (inflight == null) {
            return null;
        }
        if (transfer.cancel()) {
            TransferDescriptor td = inflight;
            inflight = null;
            transfer = null;
            dequeue = td.start();
            return td;
        }
        UsbTransfer waitingFor = transfer;
        int epoch = controller.epoch();
        stopping = true;
        try {
            while (transfer == waitingFor) {
                controller.awaitChange(epoch);
            }
        } finally {
            stopping = false;
        }
        return null;
    }

    /** For a controller reset: gives up the TD in flight; returns whether the device still holds it. */
    boolean abandon() {
        boolean claimed = inflight != null && !transfer.cancel();
        inflight = null;
        transfer = null;
        state = State.DISABLED;
        return claimed;
    }
}
