package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.usb.SetupPacket;
import dev.jimg.emulator.usb.UsbTransfer;
import java.util.ArrayList;
import java.util.List;

/**
 * One TD read from a transfer ring (xHCI 1.2, section 4.11.2): the TRBs up to the first one
 * without the chain bit; on a control endpoint the whole control transfer, Setup Stage TD,
 * optional Data Stage TD and Status Stage TD (section 4.11.2.2), handed to the device as one
 * transfer. It also turns the device's answer into the Transfer Events the TRBs ask for
 * (section 4.10.1): IOC on success, ISP or IOC where a short packet ended the data, Event Data
 * TRBs with the bytes moved since the previous one, and a Stall Error where the device stalled.
 */
final class TransferDescriptor {
    /** A TD longer than this is refused with a TRB Error: it bounds what a transfer buffers. */
    static final int MAX_BYTES = 64 << 20;
    /** TRBs in one TD at most (a ring of chained TRBs without end would never complete). */
    static final int MAX_TRBS = 1 << 16;
    private static final int SETUP_LENGTH = 8;

    /** A TD the controller cannot execute: a TRB Error on {@code trb}. */
    static final class Malformed extends Exception {
        final long trb;

        Malformed(long trb, String message) {
            super(message);
            this.trb = trb;
        }
    }

    /** A Transfer Event to post: on a TRB (or with Event Data), its code and length field. */
    record Event(long parameter, int code, int length, boolean eventData) {
    }

    /** The events for a completed TD and, after a stall, where the endpoint halted. */
    record Outcome(List<Event> events, Ring.Position haltedAt) {
    }

    private final List<Trb> trbs;
    private final List<Ring.Position> positions;
    private final Ring.Position end;
    private final SetupPacket setup;
    private final boolean in;
    private final GuestBuffer buffer;

    private TransferDescriptor(List<Trb> trbs, List<Ring.Position> positions, Ring.Position end, SetupPacket setup,
            boolean in, GuestBuffer buffer) {
        this.trbs = trbs;
        this.positions = positions;
        this.end = end;
        this.setup = setup;
        this.in = in;
        this.buffer = buffer;
    }

    /**
     * Reads the TD at {@code at}, or returns {@code null} while the producer has not written all of
     * it.
     *
     * @param control whether this is a control endpoint's ring
     * @param in      the direction of a bulk or interrupt endpoint
     */
    static TransferDescriptor read(AddressSpace memory, Ring.Position at, boolean control, boolean in)
            throws Malformed {
        List<Trb> trbs = new ArrayList<>();
        List<Ring.Position> positions = new ArrayList<>();
        Ring.Position p = at;
        int stages = 0;
        while (true) {
            Ring.Step step;
            do {
                if (trbs.size() >= MAX_TRBS) {
                    throw new Malformed(at.address(), "a TD of more than " + MAX_TRBS + " TRBs");
                }
                try {
                    step = Ring.read(memory, p);
                } catch (Ring.BrokenRingException e) {
                    throw new Malformed(e.address, e.getMessage());
                }
                if (step == null) {
                    return null;
                }
                positions.add(new Ring.Position(step.trb().address(), step.next().cycle()));
                trbs.add(step.trb());
                p = step.next();
            } while (step.trb().has(Trb.CHAIN));
            stages++;
            if (!control) {
                break;
            }
            if (stages == 1 && trbs.getFirst().type() != Trb.SETUP_STAGE) {
                throw new Malformed(trbs.getFirst().address(), "a control transfer must start with a Setup Stage TRB, not "
                        + trbs.getFirst());
            }
            if (trbs.getLast().type() == Trb.STATUS_STAGE) {
                break;
            }
            if (stages == 3) {
                throw new Malformed(trbs.getLast().address(), "a control transfer without a Status Stage TRB");
            }
        }
        return build(memory, trbs, positions, p, control, in);
    }

    private static TransferDescriptor build(AddressSpace memory, List<Trb> trbs, List<Ring.Position> positions,
            Ring.Position end, boolean control, boolean in) throws Malformed {
        SetupPacket setup = null;
        boolean dataIn = in;
        if (control) {
            Trb s = trbs.getFirst();
            if (!s.has(Trb.IDT) || s.length() != SETUP_LENGTH) {
                throw new Malformed(s.address(), "a Setup Stage TRB must hold the 8-byte setup packet (IDT)");
            }
            setup = SetupPacket.of(s.parameter());
            dataIn = setup.in();
        }
        List<GuestBuffer.Piece> pieces = new ArrayList<>();
        long total = 0;
        for (Trb t : trbs) {
            if (!t.carriesData()) {
                continue;
            }
            if (t.type() == Trb.DATA_STAGE && control && t.has(Trb.DIR_IN) != dataIn) {
                throw new Malformed(t.address(), "the Data Stage direction contradicts the setup packet");
            }
            int length = Math.min(t.length(), Trb.MAX_LENGTH);
            total += length;
            if (total > MAX_BYTES) {
                throw new Malformed(t.address(), "a TD of more than " + MAX_BYTES + " bytes");
            }
            if (t.has(Trb.IDT)) {
                if (dataIn || length > 8) {
                    throw new Malformed(t.address(), "immediate data is at most 8 bytes, host to device");
                }
                byte[] bytes = new byte[length];
                for (int i = 0; i < length; i++) {
                    bytes[i] = (byte) (t.parameter() >>> (8 * i));
                }
                pieces.add(new GuestBuffer.Piece(0, bytes, length));
            } else {
                pieces.add(new GuestBuffer.Piece(t.parameter(), null, length));
            }
        }
        return new TransferDescriptor(List.copyOf(trbs), List.copyOf(positions), end, setup, dataIn,
                new GuestBuffer(memory, pieces));
    }

    Ring.Position start() {
        return positions.getFirst();
    }

    /** Where the ring continues after this TD. */
    Ring.Position end() {
        return end;
    }

    long firstTrb() {
        return trbs.getFirst().address();
    }

    SetupPacket setup() {
        return setup;
    }

    boolean in() {
        return in;
    }

    GuestBuffer buffer() {
        return buffer;
    }

    /** Whether the TD moves no data and needs no device (No Op and Event Data TRBs only). */
    boolean noOp() {
        return setup == null && trbs.stream().allMatch(t -> t.type() == Trb.NO_OP || t.type() == Trb.EVENT_DATA);
    }

    /** The events for the device's answer: {@code actual} bytes moved, then {@code status}. */
    Outcome complete(UsbTransfer.Status status, int actual) {
        boolean stalled = status == UsbTransfer.Status.STALL;
        List<Event> events = new ArrayList<>();
        int remaining = actual;
        int accumulated = 0;
        boolean skipping = false;
        boolean shortPending = false;
        int stallAt = -1;
        int stallResidual = 0;
        for (int i = 0; i < trbs.size() && stallAt < 0; i++) {
            Trb t = trbs.get(i);
            switch (t.type()) {
                case Trb.SETUP_STAGE -> {
                    if (t.has(Trb.IOC) && !stalled) {
                        events.add(new Event(t.address(), CompletionCode.SUCCESS, 0, false));
                    }
                }
                case Trb.STATUS_STAGE -> {
                    if (stalled) {
                        stallAt = i;
                    } else if (t.has(Trb.IOC)) {
                        events.add(new Event(t.address(), CompletionCode.SUCCESS, 0, false));
                    }
                }
                case Trb.EVENT_DATA -> {
                    if (t.has(Trb.IOC)) {
                        int code = shortPending ? CompletionCode.SHORT_PACKET : CompletionCode.SUCCESS;
                        events.add(new Event(t.parameter(), code, accumulated, true));
                    }
                    accumulated = 0;
                    shortPending = false;
                }
                case Trb.NO_OP -> {
                    if (t.has(Trb.IOC)) {
                        events.add(new Event(t.address(), CompletionCode.SUCCESS, 0, false));
                    }
                }
                default -> {
                    if (skipping) {
                        continue;
                    }
                    int length = Math.min(t.length(), Trb.MAX_LENGTH);
                    int moved = Math.min(length, remaining);
                    remaining -= moved;
                    accumulated += moved;
                    if (moved == length) {
                        if (t.has(Trb.IOC)) {
                            events.add(new Event(t.address(), CompletionCode.SUCCESS, 0, false));
                        }
                    } else if (stalled) {
                        stallAt = i;
                        stallResidual = length - moved;
                    } else {
                        skipping = true;
                        shortPending = eventDataFollows(i);
                        if (!shortPending) {
                            shortPacketEvent(events, i, length - moved);
                        }
                    }
                }
            }
        }
        if (stalled && stallAt < 0) {
            stallAt = trbs.size() - 1;
        }
        if (stallAt >= 0) {
            events.add(new Event(trbs.get(stallAt).address(), CompletionCode.STALL_ERROR, stallResidual, false));
            return new Outcome(events, positions.get(stallAt));
        }
        return new Outcome(events, null);
    }

    /** Whether an Event Data TRB follows in the same data stage (it then reports the short packet). */
    private boolean eventDataFollows(int from) {
        for (int i = from + 1; i < trbs.size(); i++) {
            Trb t = trbs.get(i);
            if (t.type() == Trb.EVENT_DATA) {
                return true;
            }
            if (!t.carriesData()) {
                return false;
            }
        }
        return false;
    }

    /**
     * A short packet in data TRB {@code i}: reported there when it asks (ISP or IOC), otherwise on
     * the last TRB of its stage if that asks for an event, with the stage's residue (section 4.10.1.1).
     */
    private void shortPacketEvent(List<Event> events, int i, int residual) {
        Trb t = trbs.get(i);
        if (t.has(Trb.ISP) || t.has(Trb.IOC)) {
            events.add(new Event(t.address(), CompletionCode.SHORT_PACKET, residual, false));
            return;
        }
        int stageResidual = residual;
        int last = i;
        for (int j = i + 1; j < trbs.size() && trbs.get(j).carriesData(); j++) {
            stageResidual += Math.min(trbs.get(j).length(), Trb.MAX_LENGTH);
            last = j;
        }
        if (trbs.get(last).has(Trb.IOC)) {
            events.add(new Event(trbs.get(last).address(), CompletionCode.SHORT_PACKET, stageResidual, false));
        }
    }
}
