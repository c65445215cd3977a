package dev.jimg.emulator.scsi;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One command a {@link ScsiDisk} accepted, between its CDB and its status: what data it intends to
 * move (the transport compares that with what the initiator expects), the data phase, and the
 * status. The transport drives the data phase in pieces of its choosing, in order, and then calls
 * {@link #finish} once. {@link #dataIn}, {@link #dataOut} and {@link #finish} may block on the
 * block layer, so transports call them off the CPU thread.
 */
public abstract class ScsiCommand {
    /** Which way the command's data moves, seen from the initiator. */
    public enum Direction {
        /** No data phase (Dn in the Bulk-Only Transport's terms). */
        NONE,
        /** Device to initiator (Di). */
        IN,
        /** Initiator to device (Do). */
        OUT
    }

    private final byte[] cdb;
    private Consumer<ScsiStatus> onFinish = status -> { };
    private boolean finished;

    protected ScsiCommand(byte[] cdb) {
        this.cdb = cdb.clone();
    }

    public final int opcode() {
        return cdb[0] & 0xff;
    }

    protected final byte[] cdb() {
        return cdb;
    }

    public abstract Direction direction();

    /** Bytes the device intends to move in the data phase; 0 for {@link Direction#NONE}. */
    public abstract long length();

    /**
     * Fills {@code dst} (position to limit) with the data at {@code position} of the data phase.
     * Returns false when the medium failed: the data is not valid and {@link #finish} reports why.
     */
    public boolean dataIn(long position, ByteBuffer dst) {
        throw new IllegalStateException("command 0x" + Integer.toHexString(opcode()) + " has no data-in phase");
    }

    /**
     * Takes {@code src} (position to limit) as the data at {@code position} of the data phase.
     * Returns false when the medium failed; {@link #finish} reports why.
     */
    public boolean dataOut(long position, ByteBuffer src) {
        throw new IllegalStateException("command 0x" + Integer.toHexString(opcode()) + " has no data-out phase");
    }

    /**
     * Ends the command after {@code moved} bytes of its data phase moved (fewer than
     * {@link #length()} when the transport cut the phase short) and returns its status.
     */
    public final ScsiStatus finish(long moved) {
        if (finished) {
            throw new IllegalStateException("command 0x" + Integer.toHexString(opcode()) + " already finished");
        }
        finished = true;
        ScsiStatus status = complete(moved);
        onFinish.accept(status);
        return status;
    }

    /** The command's own completion: whatever work remains, then the status. */
    protected abstract ScsiStatus complete(long moved);

    final ScsiCommand onFinish(Consumer<ScsiStatus> listener) {
        onFinish = listener;
        return this;
    }

    /** A command that fails before any data moves. */
    static ScsiCommand failed(byte[] cdb, Sense sense) {
        return withoutData(cdb, () -> ScsiStatus.checkCondition(sense));
    }

    /** A command without data that succeeds (TEST UNIT READY, PREVENT ALLOW MEDIUM REMOVAL, ...). */
    static ScsiCommand good(byte[] cdb) {
        return withoutData(cdb, () -> ScsiStatus.OK);
    }

    /**
     * A command without a data phase (SAM-5's "no data transfer"): {@code status} runs when the
     * transport finishes it, so work such as a cache flush happens off the CPU thread.
     */
    static ScsiCommand withoutData(byte[] cdb, Supplier<ScsiStatus> status) {
        return new ScsiCommand(cdb) {
            @Override
            public Direction direction() {
                return Direction.NONE;
            }

            @Override
            public long length() {
                return 0;
            }

            @Override
            protected ScsiStatus complete(long moved) {
                return status.get();
            }
        };
    }

    /**
     * A command returning {@code data} computed when it was decoded, cut to the CDB's allocation
     * length (SPC-4, section 4.2.5.6: the device returns at most that many bytes, without error).
     */
    static ScsiCommand returning(byte[] cdb, byte[] data, long allocationLength) {
        int length = (int) Math.min(data.length, allocationLength);
        return new ScsiCommand(cdb) {
            @Override
            public Direction direction() {
                return length == 0 ? Direction.NONE : Direction.IN;
            }

            @Override
            public long length() {
                return length;
            }

            @Override
            public boolean dataIn(long position, ByteBuffer dst) {
                dst.put(data, (int) position, dst.remaining());
                return true;
            }

            @Override
            protected ScsiStatus complete(long moved) {
                return ScsiStatus.OK;
            }
        };
    }
}
