package dev.jimg.emulator.usb;

import dev.jimg.emulator.scsi.ScsiCommand;
import dev.jimg.emulator.scsi.ScsiDisk;
import dev.jimg.emulator.scsi.ScsiStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * A USB mass storage device speaking the Bulk-Only Transport (USB Mass Storage Class Bulk-Only
 * Transport 1.0, "BOT") to one SCSI logical unit, with QEMU's {@code usb-storage} IDs (46f4:0001).
 * One interface (class 08h, subclass 06h SCSI transparent, protocol 50h BOT) with bulk IN 81h and
 * bulk OUT 02h; SuperSpeed capable, so an xHCI puts it on a USB 3 port.
 * <pre>
 *   CBW (31 bytes, OUT): 0 dCBWSignature 43425355h, 4 dCBWTag, 8 dCBWDataTransferLength,
 *                        12 bmCBWFlags (7: IN), 13 bCBWLUN (3:0), 14 bCBWCBLength (4:0), 15 CBWCB[16]
 *   CSW (13 bytes, IN):  0 dCSWSignature 53425355h, 4 dCSWTag, 8 dCSWDataResidue, 12 bCSWStatus
 *                        (0 passed, 1 failed, 2 phase error)
 * </pre>
 *
 * <h2>The thirteen cases</h2>
 * The host's expectation (Hn, Hi, Ho: no data, data in, data out, with a length) meets the
 * device's intent (Dn, Di, Do) from the decoded CDB, as BOT section 6.7 lays out:
 * <ul>
 *   <li>1, 6, 12 (they agree): the data moves, the CSW carries the SCSI status.</li>
 *   <li>4, 5 (Hi &gt; Di) and 9, 11 (Ho &gt; Do): the device moves what it intends, then ends the data
 *       phase early: a short packet when its last packet was short, a STALL of the data pipe
 *       otherwise; the residue says how much did not move.</li>
 *   <li>2, 3 (Hn with Di/Do), 7 (Hi &lt; Di), 8 (Hi with Do), 10 (Ho with Di), 13 (Ho &lt; Do):
 *       phase error. In 7 the first Hi bytes are sent; in 13 the data is taken and dropped (a
 *       truncated write is not performed); otherwise the data pipe the host expected stalls.</li>
 * </ul>
 * A CBW that is not valid (not 31 bytes, wrong signature) stalls both bulk pipes until a
 * Bulk-Only Mass Storage Reset (section 6.6.1), whatever CLEAR_FEATURE the host sends meanwhile;
 * one that is valid but not meaningful (LUN other than 0, CB length outside 1..16) is a phase error.
 *
 * <h2>Execution</h2>
 * Transfers wait until the protocol phase can use them (an IN before any CBW waits, as a NAKed IN
 * would). The state machine runs on a {@link SerialWorker}: each transfer is claimed when it is
 * taken up and completed when its data moved, so block-layer work never runs on the CPU thread and
 * a host controller that stops the endpoint meanwhile gets either a completed transfer or one that
 * never started (see {@link UsbTransfer}). BOT allows one command at a time; its data moves through
 * the block layer in pieces of at most {@link #MAX_CHUNK} bytes.
 */
public final class MassStorage extends UsbDevice {
    public static final int BULK_IN = 0x81;
    public static final int BULK_OUT = 0x02;
    /** Class requests (BOT sections 3.1 and 3.2). */
    public static final int GET_MAX_LUN = 0xfe;
    public static final int BULK_ONLY_RESET = 0xff;

    public static final int CBW_LENGTH = 31;
    public static final int CSW_LENGTH = 13;
    public static final int CBW_SIGNATURE = 0x4342_5355;
    public static final int CSW_SIGNATURE = 0x5342_5355;
    public static final int CSW_PASSED = 0;
    public static final int CSW_FAILED = 1;
    public static final int CSW_PHASE_ERROR = 2;
    static final int CBW_FLAG_IN = 0x80;
    static final int MAX_CB_LENGTH = 16;

    /** QEMU's usb-storage IDs, so guests apply the same (no) quirks. */
    static final int VENDOR_ID = 0x46f4;
    static final int PRODUCT_ID = 0x0001;
    static final int CLASS_MASS_STORAGE = 0x08;
    static final int SUBCLASS_SCSI = 0x06;
    static final int PROTOCOL_BULK_ONLY = 0x50;
    /** SuperSpeed bursts of 16 packets, as QEMU's device offers. */
    static final int MAX_BURST = 15;
    /** The largest piece of data moved through one block request; bounds the device's buffer. */
    static final int MAX_CHUNK = 1 << 20;

    private enum Phase {
        /** Waiting for a CBW on bulk OUT. */
        COMMAND,
        DATA_IN,
        DATA_OUT,
        /** The device's data ended on a packet boundary before the host's: the next IN stalls. */
        END_IN,
        /** The next OUT stalls: the host wants to send data the device does not take. */
        END_OUT,
        /** The CSW is ready for the next IN. */
        STATUS
    }

    private final ScsiDisk disk;
    private final String serial;
    private final SerialWorker worker;

    // Shared with the host controller's thread, guarded by this.
    private UsbTransfer pendingIn;
    private UsbTransfer pendingOut;
    /**
     * Resets queued for the worker: until they have run, no waiting transfer is taken up. The
     * worker may still be in a pump when the host resets and sends the next CBW; without this it
     * would take that CBW up under the old state (still in reset recovery) and stall it.
     */
    private int resetsQueued;

    // Confined to the worker.
    private Phase phase = Phase.COMMAND;
    private boolean resetRecovery;
    private int tag;
    private long hostLength;
    private ScsiCommand command;
    private boolean execute;
    private boolean phaseError;
    private long remaining;
    private long moved;
    private ScsiStatus status = ScsiStatus.OK;

    public MassStorage(ScsiDisk disk, String serial, Consumer<String> warnings) {
        super(UsbSpeed.SUPER);
        this.disk = disk;
        this.serial = serial.isEmpty() ? "1" : serial;
        this.worker = new SerialWorker("usb-storage", warnings, work());
    }

    public ScsiDisk disk() {
        return disk;
    }

    // ---------------------------------------------------------------- descriptors and requests

    @Override
    protected byte[] deviceDescriptor(UsbSpeed at) {
        return Descriptors.device(at, VENDOR_ID, PRODUCT_ID, 0x0000, 1, 2, 3);
    }

    @Override
    protected byte[] configurationDescriptor(UsbSpeed at) {
        byte[] in = Descriptors.bulkEndpoint(BULK_IN, at, MAX_BURST);
        byte[] out = Descriptors.bulkEndpoint(BULK_OUT, at, MAX_BURST);
        byte[] iface = Descriptors.iface(0, 2, CLASS_MASS_STORAGE, SUBCLASS_SCSI, PROTOCOL_BULK_ONLY);
        byte[] body = new byte[iface.length + in.length + out.length];
        System.arraycopy(iface, 0, body, 0, iface.length);
        System.arraycopy(in, 0, body, iface.length, in.length);
        System.arraycopy(out, 0, body, iface.length + in.length, out.length);
        // 100 mA: units of 8 mA at SuperSpeed, 2 mA below.
        return Descriptors.configuration(1, Descriptors.SELF_POWERED, at.superSpeed() ? 12 : 50, 1, body);
    }

    @Override
    protected String string(int index) {
        return switch (index) {
            case 1 -> "JIMG";
            case 2 -> "JIMG USB HARDDRIVE";
            case 3 -> serial;
            default -> null;
        };
    }

    @Override
    protected int classRequest(SetupPacket s, TransferBuffer data) {
        if (s.type() != SetupPacket.TYPE_CLASS || s.recipient() != SetupPacket.RECIPIENT_INTERFACE || s.index() != 0) {
            return STALL;
        }
        if (s.request() == GET_MAX_LUN && s.in() && s.value() == 0 && s.length() == 1) {
            return reply(data, new byte[] {0});
        }
        if (s.request() == BULK_ONLY_RESET && !s.in() && s.value() == 0 && s.length() == 0) {
            queueReset(this::bulkOnlyReset);
            return 0;
        }
        return STALL;
    }

    @Override
    protected void onReset() {
        queueReset(() -> {
            disk.reset();
            bulkOnlyReset();
        });
    }

    private void queueReset(Runnable reset) {
        synchronized (this) {
            resetsQueued++;
        }
        worker.execute(reset);
    }

    @Override
    protected void onHaltCleared(int endpointAddress) {
        worker.execute(this::pump);
    }

    /** Ready for a CBW again; halts stay as they are (BOT section 3.1). */
    private void bulkOnlyReset() {
        phase = Phase.COMMAND;
        resetRecovery = false;
        command = null;
        synchronized (this) {
            resetsQueued--;
        }
        pump();
    }

    // ---------------------------------------------------------------- transfers

    @Override
    protected void dataTransfer(UsbTransfer t) {
        boolean known = t.in() ? t.endpoint() == (BULK_IN & 0xf) : t.endpoint() == BULK_OUT;
        if (!known) {
            if (t.claim()) {
                t.complete(UsbTransfer.Status.STALL, 0);
            }
            return;
        }
        synchronized (this) {
            UsbTransfer previous = t.in() ? pendingIn : pendingOut;
            if (previous != null && !previous.cancelled()) {
                throw new IllegalStateException("a second transfer on endpoint " + t.endpoint() + " while " + previous
                        + " is pending");
            }
            if (t.in()) {
                pendingIn = t;
            } else {
                pendingOut = t;
            }
        }
        worker.execute(this::pump);
    }

    /** Takes up every waiting transfer the protocol can use now. */
    private void pump() {
        UsbTransfer t;
        while ((t = next()) != null) {
            if (t.claim()) {
                handle(t);
            }
        }
    }

    /** The transfer to take up next, removed from the waiting ones; {@code null} if none can go on. */
    private synchronized UsbTransfer next() {
        if (resetsQueued > 0) {
            return null; // the last reset's task pumps when it has run
        }
        if (pendingOut != null && (resetRecovery || halted(BULK_OUT) || pendingOut.cancelled()
                || phase == Phase.COMMAND || phase == Phase.DATA_OUT || phase == Phase.END_OUT)) {
            UsbTransfer t = pendingOut;
            pendingOut = null;
            return t;
        }
        if (pendingIn != null && (resetRecovery || halted(BULK_IN) || pendingIn.cancelled()
                || phase == Phase.DATA_IN || phase == Phase.END_IN || phase == Phase.STATUS)) {
            UsbTransfer t = pendingIn;
            pendingIn = null;
            return t;
        }
        return null;
    }

    private void handle(UsbTransfer t) {
        int endpoint = t.in() ? BULK_IN : BULK_OUT;
        if (resetRecovery || halted(endpoint)) {
            stall(t, endpoint, 0);
            return;
        }
        switch (phase) {
            case COMMAND -> commandBlock(t);
            case DATA_IN -> dataIn(t);
            case DATA_OUT -> dataOut(t);
            case END_IN, END_OUT -> {
                stall(t, endpoint, 0);
                phase = Phase.STATUS;
            }
            case STATUS -> commandStatus(t);
        }
    }

    private void stall(UsbTransfer t, int endpoint, int actual) {
        setHalted(endpoint, true);
        t.complete(UsbTransfer.Status.STALL, actual);
    }

    // ---------------------------------------------------------------- phases

    private void commandBlock(UsbTransfer t) {
        byte[] raw = new byte[CBW_LENGTH];
        ByteBuffer cbw = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (t.length() == CBW_LENGTH) {
            t.buffer().read(0, raw, 0, CBW_LENGTH);
        }
        if (t.length() != CBW_LENGTH || cbw.getInt(0) != CBW_SIGNATURE) {
            // Not a valid CBW (BOT 6.6.1): both pipes stall until a Reset Recovery.
            resetRecovery = true;
            setHalted(BULK_IN, true);
            stall(t, BULK_OUT, 0);
            return;
        }
        t.complete(UsbTransfer.Status.COMPLETED, CBW_LENGTH);
        tag = cbw.getInt(4);
        hostLength = cbw.getInt(8) & 0xffff_ffffL;
        boolean hostIn = (raw[12] & CBW_FLAG_IN) != 0;
        int lun = raw[13] & 0x0f;
        int cbLength = raw[14] & 0x1f;
        moved = 0;
        remaining = 0;
        status = ScsiStatus.OK;
        phaseError = false;
        execute = true;
        if (lun != 0 || cbLength == 0 || cbLength > MAX_CB_LENGTH) {
            command = null;
            mismatch(hostIn);
            return;
        }
        byte[] cdb = new byte[cbLength];
        System.arraycopy(raw, 15, cdb, 0, cbLength);
        command = disk.decode(cdb);
        ScsiCommand.Direction intent = command.direction();
        long deviceLength = command.length();
        if (hostLength == 0) {
            if (intent == ScsiCommand.Direction.NONE) { // case 1
                finishCommand();
                phase = Phase.STATUS;
            } else { // cases 2, 3
                mismatch(false);
            }
        } else if (intent == ScsiCommand.Direction.NONE) { // cases 4, 9
            finishCommand();
            phase = hostIn ? Phase.END_IN : Phase.END_OUT;
        } else if ((intent == ScsiCommand.Direction.IN) != hostIn) { // cases 8, 10
            mismatch(hostIn);
        } else { // cases 5, 6, 7 and 11, 12, 13
            remaining = Math.min(hostLength, deviceLength);
            phaseError = hostLength < deviceLength;
            execute = !(phaseError && !hostIn);
            phase = hostIn ? Phase.DATA_IN : Phase.DATA_OUT;
        }
    }

    /** A phase error: nothing executes; the data pipe the host expects (if any) stalls. */
    private void mismatch(boolean hostIn) {
        phaseError = true;
        execute = false;
        phase = hostLength == 0 ? Phase.STATUS : hostIn ? Phase.END_IN : Phase.END_OUT;
    }

    private void dataIn(UsbTransfer t) {
        int n = (int) Math.min(remaining, t.length());
        byte[] chunk = new byte[Math.min(n, MAX_CHUNK)];
        int done = 0;
        boolean failed = false;
        while (done < n) {
            int k = Math.min(chunk.length, n - done);
            if (!command.dataIn(moved + done, ByteBuffer.wrap(chunk, 0, k))) {
                failed = true;
                break;
            }
            t.buffer().write(done, chunk, 0, k);
            done += k;
        }
        moved += done;
        remaining -= done;
        int packet = speed().bulkPacketSize();
        if (failed) {
            // The medium failed: no more data; the CSW reports the command as failed.
            remaining = 0;
            stall(t, BULK_IN, done);
            endData(true);
        } else if (done < t.length()) {
            if (done % packet != 0) {
                t.complete(UsbTransfer.Status.COMPLETED, done);
            } else {
                stall(t, BULK_IN, done);
            }
            endData(true);
        } else {
            t.complete(UsbTransfer.Status.COMPLETED, done);
            if (remaining == 0) {
                endData(done % packet != 0 || moved == hostLength);
            }
        }
    }

    private void dataOut(UsbTransfer t) {
        int n = (int) Math.min(remaining, t.length());
        byte[] chunk = new byte[Math.min(n, MAX_CHUNK)];
        for (int done = 0; done < n; ) {
            int k = Math.min(chunk.length, n - done);
            t.buffer().read(done, chunk, 0, k);
            if (execute) {
                // A failed piece is remembered by the command; the rest of the data is still taken.
                command.dataOut(moved + done, ByteBuffer.wrap(chunk, 0, k));
            }
            done += k;
        }
        moved += n;
        remaining -= n;
        if (n < t.length()) {
            stall(t, BULK_OUT, n);
            endData(true);
        } else {
            t.complete(UsbTransfer.Status.COMPLETED, n);
            if (remaining == 0) {
                endData(moved == hostLength);
            }
        }
    }

    /** The device's data phase is over; {@code terminated} says whether the host knows it. */
    private void endData(boolean terminated) {
        if (execute && !phaseError) {
            finishCommand();
        }
        boolean in = phase == Phase.DATA_IN;
        phase = terminated ? Phase.STATUS : in ? Phase.END_IN : Phase.END_OUT;
    }

    private void finishCommand() {
        status = command.finish(moved);
    }

    private void commandStatus(UsbTransfer t) {
        ByteBuffer csw = ByteBuffer.allocate(CSW_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        csw.putInt(CSW_SIGNATURE).putInt(tag).putInt((int) (hostLength - moved));
        csw.put((byte) (phaseError ? CSW_PHASE_ERROR : status.good() ? CSW_PASSED : CSW_FAILED));
        int n = Math.min(CSW_LENGTH, t.length());
        t.buffer().write(0, csw.array(), 0, n);
        phase = Phase.COMMAND;
        command = null;
        t.complete(UsbTransfer.Status.COMPLETED, n);
    }
}
