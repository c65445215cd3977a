package dev.jimg.emulator.usb;

import dev.jimg.emulator.devices.WorkTracker;
import java.util.Objects;

/**
 * A USB device as a host controller's port sees it: the contract every device model implements
 * by extending this class. The class answers the standard requests of the default control pipe
 * (USB 2.0, chapter 9; USB 3.2, chapter 9) from the descriptors a device supplies, and keeps the
 * state they change: address, configuration and the halt feature of each endpoint. A device adds
 * its descriptors, its class requests and its data endpoints.
 *
 * <p>Transfers follow the claim protocol of {@link UsbTransfer}. Control transfers complete inside
 * {@link #submit}; data transfers may complete later, on another thread.
 */
public abstract class UsbDevice {
    /** Standard requests (USB 2.0, table 9-4; USB 3.2, table 9-4). */
    public static final int GET_STATUS = 0;
    public static final int CLEAR_FEATURE = 1;
    public static final int SET_FEATURE = 3;
    public static final int SET_ADDRESS = 5;
    public static final int GET_DESCRIPTOR = 6;
    public static final int GET_CONFIGURATION = 8;
    public static final int SET_CONFIGURATION = 9;
    public static final int GET_INTERFACE = 10;
    public static final int SET_INTERFACE = 11;
    public static final int SET_SEL = 48;
    public static final int SET_ISOCH_DELAY = 49;
    /** Feature selector ENDPOINT_HALT. */
    public static final int ENDPOINT_HALT = 0;
    /** The direction bit of an endpoint address. */
    public static final int ENDPOINT_IN = 0x80;
    /** A request the device answered with STALL. */
    protected static final int STALL = -1;

    private static final int MAX_ADDRESS = 127;

    private final UsbSpeed maxSpeed;
    private volatile WorkTracker work = WorkTracker.NONE;
    private final WorkTracker workForwarder = new WorkTracker() {
        @Override
        public void begin() {
            work.begin();
        }

        @Override
        public void end() {
            work.end();
        }
    };
    private UsbSpeed speed;
    private int address;
    private int configuration;
    /** Halt feature by endpoint: bit n for OUT endpoint n, bit 16 + n for IN endpoint n. */
    private int halted;

    protected UsbDevice(UsbSpeed maxSpeed) {
        this.maxSpeed = Objects.requireNonNull(maxSpeed, "maxSpeed");
        this.speed = maxSpeed;
    }

    /** The fastest speed the device supports; a port may connect it slower. */
    public final UsbSpeed maxSpeed() {
        return maxSpeed;
    }

    public final synchronized UsbSpeed speed() {
        return speed;
    }

    /**
     * The host controller's tracker for the device's busy time; attach before the first transfer.
     * A transfer the device merely keeps waiting (a NAKed IN) is not work.
     */
    public final void attachWork(WorkTracker tracker) {
        work = tracker;
    }

    /** Where the device reports busy time: forwards to whatever tracker is attached. */
    protected final WorkTracker work() {
        return workForwarder;
    }

    /** The port connected the device at {@code at}; a bus reset follows. */
    public final void connect(UsbSpeed at) {
        if (at.compareTo(maxSpeed) > 0) {
            throw new IllegalArgumentException("a " + maxSpeed + " device cannot run at " + at);
        }
        synchronized (this) {
            speed = at;
        }
        reset();
    }

    /** A bus reset (port reset, warm reset): default state, address 0, unconfigured, no halts. */
    public final void reset() {
        synchronized (this) {
            address = 0;
            configuration = 0;
            halted = 0;
        }
        onReset();
    }

    public final synchronized int address() {
        return address;
    }

    public final synchronized int configuration() {
        return configuration;
    }

    /** Whether the endpoint at {@code endpointAddress} (direction bit included) has its halt feature set. */
    public final synchronized boolean halted(int endpointAddress) {
        return (halted & haltBit(endpointAddress)) != 0;
    }

    /** Sets or clears the halt feature; a device halts an endpoint when it answers STALL on it. */
    protected final synchronized void setHalted(int endpointAddress, boolean halt) {
        halted = halt ? halted | haltBit(endpointAddress) : halted & ~haltBit(endpointAddress);
    }

    private static int haltBit(int endpointAddress) {
        return 1 << ((endpointAddress & 0xf) + ((endpointAddress & ENDPOINT_IN) != 0 ? 16 : 0));
    }

    /** Hands a transfer to the device; see {@link UsbTransfer} for what happens next. */
    public final void submit(UsbTransfer t) {
        if (t.endpoint() != 0) {
            dataTransfer(t);
            return;
        }
        if (!t.claim()) {
            return;
        }
        int actual = control(t.setup(), t.buffer());
        if (actual == STALL) {
            t.complete(UsbTransfer.Status.STALL, 0);
        } else {
            t.complete(UsbTransfer.Status.COMPLETED, actual);
        }
    }

    /** Answers a control request; returns the data stage bytes moved, or {@link #STALL}. */
    private int control(SetupPacket s, TransferBuffer data) {
        if (s.type() != SetupPacket.TYPE_STANDARD) {
            return classRequest(s, data);
        }
        return switch (s.request()) {
            case GET_DESCRIPTOR -> s.in() ? reply(data, descriptor(s.value() >>> 8, s.value() & 0xff)) : STALL;
            case SET_ADDRESS -> setAddress(s.value());
            case GET_CONFIGURATION -> reply(data, new byte[] {(byte) configuration()});
            case SET_CONFIGURATION -> setConfiguration(s.value() & 0xff);
            case GET_INTERFACE -> reply(data, new byte[] {0});
            case SET_INTERFACE -> s.value() == 0 ? 0 : STALL;
            case GET_STATUS -> reply(data, status(s));
            case CLEAR_FEATURE, SET_FEATURE -> feature(s, s.request() == SET_FEATURE);
            // U1/U2 system exit latencies and the isochronous delay: nothing to do without link power management.
            case SET_SEL, SET_ISOCH_DELAY -> s.request() == SET_SEL ? data.length() : 0;
            default -> STALL;
        };
    }

    private int setAddress(int value) {
        if (value > MAX_ADDRESS) {
            return STALL;
        }
        synchronized (this) {
            address = value;
        }
        return 0;
    }

    private int setConfiguration(int value) {
        if (value != 0 && value != configurationValue()) {
            return STALL;
        }
        synchronized (this) {
            configuration = value;
            halted = 0;
        }
        return 0;
    }

    private byte[] status(SetupPacket s) {
        return switch (s.recipient()) {
            case SetupPacket.RECIPIENT_DEVICE -> new byte[] {1, 0}; // self-powered
            case SetupPacket.RECIPIENT_ENDPOINT -> new byte[] {(byte) (halted(s.index()) ? 1 : 0), 0};
            default -> new byte[] {0, 0};
        };
    }

    private int feature(SetupPacket s, boolean set) {
        if (s.recipient() == SetupPacket.RECIPIENT_ENDPOINT) {
            if (s.value() != ENDPOINT_HALT) {
                return STALL;
            }
            setHalted(s.index(), set);
            if (!set) {
                onHaltCleared(s.index() & 0xff);
            }
        }
        // Device features (remote wake-up, U1/U2 enable) and function suspend change nothing here.
        return 0;
    }

    private byte[] descriptor(int type, int index) {
        UsbSpeed at = speed();
        return switch (type) {
            case Descriptors.DEVICE -> deviceDescriptor(at);
            case Descriptors.CONFIGURATION -> index == 0 ? configurationDescriptor(at) : null;
            case Descriptors.STRING -> {
                String text = index == 0 ? "" : string(index);
                yield text == null ? null : Descriptors.string(index, text);
            }
            case Descriptors.BOS -> at.superSpeed() ? Descriptors.superSpeedBos() : null;
            default -> null;
        };
    }

    /** Sends {@code reply} (or STALL when it is {@code null}), cut to what the host asked for. */
    protected static int reply(TransferBuffer data, byte[] reply) {
        if (reply == null) {
            return STALL;
        }
        int n = Math.min(reply.length, data.length());
        data.write(0, reply, 0, n);
        return n;
    }

    // ---------------------------------------------------------------- for the device

    protected abstract byte[] deviceDescriptor(UsbSpeed at);

    /** The one configuration's descriptor with its interfaces and endpoints. */
    protected abstract byte[] configurationDescriptor(UsbSpeed at);

    /** bConfigurationValue of the one configuration. */
    protected int configurationValue() {
        return 1;
    }

    /** String {@code index} (1 and up), or {@code null} if there is none. */
    protected abstract String string(int index);

    /** A class or vendor request on the default pipe; returns the data stage bytes moved or {@link #STALL}. */
    protected int classRequest(SetupPacket setup, TransferBuffer data) {
        return STALL;
    }

    /** A transfer for a data endpoint (not 0). */
    protected abstract void dataTransfer(UsbTransfer t);

    /** The bus reset the device sees, after the standard state was reset. */
    protected void onReset() {
    }

    /** The host cleared the halt feature of {@code endpointAddress}. */
    protected void onHaltCleared(int endpointAddress) {
    }
}
