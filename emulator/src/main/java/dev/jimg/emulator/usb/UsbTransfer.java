package dev.jimg.emulator.usb;

import java.util.Objects;

/**
 * One transfer a host controller hands to a device: a TD in xHCI terms, a URB in Linux's. It is the
 * unit of the <b>claim protocol</b> that lets a host controller stop an endpoint without losing or
 * duplicating data:
 * <ol>
 *   <li>The host {@linkplain UsbDevice#submit submits} the transfer. The device may keep it waiting
 *       (a NAKed IN, say, while no data is ready) as long as it likes.</li>
 *   <li>Before moving any byte, the device {@link #claim()}s it. From then on it must
 *       {@link #complete} it in bounded time (no waiting for the host; only for the block layer).</li>
 *   <li>The host may {@link #cancel()} it at any time. Cancelling a transfer that is not claimed
 *       rolls it back: no byte moved, the device will never touch it, and whatever it would have
 *       carried is still the device's to send (or to receive) with the next transfer. Cancelling a
 *       claimed transfer fails; the host waits for its completion, which tells it exactly what moved.</li>
 * </ol>
 * Devices call {@link #complete} without holding their own locks (the host takes its lock there).
 */
public final class UsbTransfer {
    /** How a transfer ended. */
    public enum Status {
        /** Data moved; fewer bytes than offered means a short packet ended the transfer. */
        COMPLETED,
        /** The endpoint answered STALL after the reported bytes moved; it is halted. */
        STALL
    }

    /** The host controller's side of a transfer. */
    public interface Host {
        /** The device started moving data: from now on the transfer is work in flight. */
        default void claimed(UsbTransfer transfer) {
        }

        /** The transfer ended; called once, on the device's thread. */
        void completed(UsbTransfer transfer, Status status, int actual);
    }

    private enum State { QUEUED, CLAIMED, DONE, CANCELLED }

    private final int endpoint;
    private final boolean in;
    private final SetupPacket setup;
    private final TransferBuffer buffer;
    private final Host host;
    private State state = State.QUEUED;

    /**
     * @param endpoint the endpoint number (0 for the default control endpoint)
     * @param in       the direction (for control transfers, the data stage's)
     * @param setup    the setup packet of a control transfer, {@code null} otherwise
     */
    public UsbTransfer(int endpoint, boolean in, SetupPacket setup, TransferBuffer buffer, Host host) {
        this.endpoint = endpoint;
        this.in = in;
        this.setup = setup;
        this.buffer = Objects.requireNonNull(buffer, "buffer");
        this.host = Objects.requireNonNull(host, "host");
    }

    public int endpoint() {
        return endpoint;
    }

    public boolean in() {
        return in;
    }

    public SetupPacket setup() {
        return setup;
    }

    public TransferBuffer buffer() {
        return buffer;
    }

    /** Bytes the host offers (IN) or sends (OUT). */
    public int length() {
        return buffer.length();
    }

    /** For the device: takes the transfer to move its data; false if the host cancelled it. */
    public boolean claim() {
        synchronized (this) {
            if (state == State.CANCELLED) {
                return false;
            }
            if (state != State.QUEUED) {
                throw new IllegalStateException("transfer on endpoint " + endpoint + " claimed twice");
            }
            state = State.CLAIMED;
        }
        host.claimed(this);
        return true;
    }

    /** For the device: ends a claimed transfer after {@code actual} bytes moved. */
    public void complete(Status status, int actual) {
        synchronized (this) {
            if (state != State.CLAIMED) {
                throw new IllegalStateException("transfer on endpoint " + endpoint + " completed while " + state);
            }
            if (actual < 0 || actual > buffer.length()) {
                throw new IllegalArgumentException(actual + " bytes cannot have moved in a transfer of "
                        + buffer.length());
            }
            state = State.DONE;
        }
        host.completed(this, status, actual);
    }

    /** For the host: rolls the transfer back if the device has not claimed it; see the class comment. */
    public synchronized boolean cancel() {
        if (state == State.QUEUED) {
            state = State.CANCELLED;
            return true;
        }
        return false;
    }

    /** Whether the host took the transfer back; the device forgets it. */
    public synchronized boolean cancelled() {
        return state == State.CANCELLED;
    }

    @Override
    public String toString() {
        return "transfer ep" + endpoint + (in ? " in " : " out ") + buffer.length() + " bytes"
                + (setup != null ? " " + setup : "");
    }
}
