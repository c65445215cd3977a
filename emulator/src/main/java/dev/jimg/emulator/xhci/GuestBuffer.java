package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.usb.TransferBuffer;
import java.util.List;

/**
 * A TD's data buffers in guest memory, as one byte sequence for the device: each data TRB
 * contributes its buffer, or with IDT its parameter field's bytes (immediate data, at most 8).
 */
final class GuestBuffer implements TransferBuffer {
    /** One TRB's share: a guest address, or immediate bytes. */
    record Piece(long address, byte[] immediate, int length) {
    }

    private final AddressSpace memory;
    private final List<Piece> pieces;
    private final int length;

    GuestBuffer(AddressSpace memory, List<Piece> pieces) {
        this.memory = memory;
        this.pieces = List.copyOf(pieces);
        long total = 0;
        for (Piece p : pieces) {
            total += p.length();
        }
        this.length = Math.toIntExact(total);
    }

    @Override
    public int length() {
        return length;
    }

    /** Whether every buffer is mapped guest memory, so that moving the data cannot fault midway. */
    boolean mapped() {
        for (Piece p : pieces) {
            if (p.immediate() == null && !memory.mapped(p.address(), p.length())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void read(int position, byte[] dst, int offset, int count) {
        walk(position, count, (piece, from, at, n) -> {
            if (piece.immediate() != null) {
                System.arraycopy(piece.immediate(), from, dst, offset + at, n);
            } else {
                memory.read(piece.address() + from, dst, offset + at, n);
            }
        });
    }

    @Override
    public void write(int position, byte[] src, int offset, int count) {
        walk(position, count, (piece, from, at, n) -> {
            if (piece.immediate() != null) {
                throw new IllegalStateException("immediate data is host-to-device only");
            }
            memory.write(piece.address() + from, src, offset + at, n);
        });
    }

    private interface Segment {
        /** {@code n} bytes at offset {@code from} of {@code piece}, {@code at} bytes into the range. */
        void accept(Piece piece, int from, int at, int n);
    }

    private void walk(int position, int count, Segment action) {
        if (position < 0 || count < 0 || position + count > length) {
            throw new IllegalArgumentException(count + " bytes at " + position + " do not fit a " + length
                    + "-byte transfer");
        }
        int start = 0;
        int done = 0;
        for (Piece p : pieces) {
            int end = start + p.length();
            int from = Math.max(position + done, start);
            if (done < count && from < end) {
                int n = Math.min(end, position + count) - from;
                action.accept(p, from - start, done, n);
                done += n;
            }
            start = end;
            if (done == count) {
                return;
            }
        }
    }
}
