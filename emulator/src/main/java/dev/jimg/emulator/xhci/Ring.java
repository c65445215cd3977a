package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.AddressSpace;

/**
 * Reading a command or transfer ring (xHCI 1.2, section 4.9.2): TRBs whose cycle bit equals the
 * consumer's cycle state belong to the producer's current pass; a Link TRB jumps to the next
 * segment and, with TC set, toggles the cycle state. Positions are values, so a reader can look
 * ahead (a whole TD) before it commits to consuming anything.
 */
final class Ring {
    /**
     * Link TRBs followed in a row before the ring is declared broken: a ring of links only would
     * otherwise spin the controller forever.
     */
    static final int MAX_LINKS_IN_A_ROW = 64;

    private Ring() {
    }

    /** A place in a ring: the next TRB's address and the consumer cycle state there. */
    record Position(long address, boolean cycle) {
        static Position of(long pointerWithCycle) {
            return new Position(pointerWithCycle & ~0xfL, (pointerWithCycle & 1) != 0);
        }

        /** The pointer as contexts and Set TR Dequeue Pointer carry it: address with DCS in bit 0. */
        long withCycle() {
            return address | (cycle ? 1 : 0);
        }
    }

    /** A TRB read and the position after it. */
    record Step(Trb trb, Position next) {
    }

    /** A ring the controller cannot follow (a loop of Link TRBs). */
    static final class BrokenRingException extends RuntimeException {
        final long address;

        BrokenRingException(long address, String message) {
            super(message);
            this.address = address;
        }
    }

    /**
     * The TRB at {@code at} after following Link TRBs, or {@code null} if the producer has not
     * written it yet (its cycle bit differs).
     */
    static Step read(AddressSpace memory, Position at) {
        Position p = at;
        for (int links = 0; links <= MAX_LINKS_IN_A_ROW; links++) {
            Trb trb = fetch(memory, p.address());
            if (trb.cycle() != p.cycle()) {
                return null;
            }
            if (trb.type() != Trb.LINK) {
                return new Step(trb, new Position(p.address() + Trb.SIZE, p.cycle()));
            }
            p = new Position(trb.parameter() & ~0xfL, p.cycle() ^ trb.has(Trb.TOGGLE_CYCLE));
        }
        throw new BrokenRingException(at.address(), "more than " + MAX_LINKS_IN_A_ROW
                + " Link TRBs in a row from 0x" + Long.toHexString(at.address()));
    }

    static Trb fetch(AddressSpace memory, long address) {
        byte[] raw = new byte[Trb.SIZE];
        memory.read(address, raw, 0, Trb.SIZE);
        long parameter = 0;
        for (int i = 7; i >= 0; i--) {
            parameter = parameter << 8 | (raw[i] & 0xff);
        }
        return new Trb(parameter, le32(raw, 8), le32(raw, 12), address);
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
