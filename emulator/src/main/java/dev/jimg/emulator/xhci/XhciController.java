package dev.jimg.emulator.xhci;

import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.MmioOps;
import dev.jimg.emulator.pci.ControllerHost;
import dev.jimg.emulator.usb.UsbDevice;
import dev.jimg.emulator.usb.UsbSpeed;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The xHCI host controller's registers (xHCI 1.2, chapter 5) and the state they govern, laid out as
 * QEMU's {@code qemu-xhci}: capability registers at 0, operational at 0x40 (ports at 0x440),
 * runtime at 0x1000, doorbells at 0x2000, in a 16 KiB BAR.
 * <pre>
 *   0x00 CAPLENGTH 0x40, HCIVERSION 1.0      0x04 HCSPARAMS1: 64 slots, 16 interrupters, 8 ports
 *   0x08 HCSPARAMS2: ERST Max 2^4, no scratchpad      0x0c HCSPARAMS3: no U1/U2 exit latency
 *   0x10 HCCPARAMS1: AC64, CSZ (64-byte contexts when configured so), NSS, xECP at 0x20
 *   0x14 DBOFF 0x2000   0x18 RTSOFF 0x1000   0x1c HCCPARAMS2 0
 *   0x20 Supported Protocol: USB 2.0, ports 1-4   0x30 Supported Protocol: USB 3.0, ports 5-8
 *   0x40 USBCMD  0x44 USBSTS  0x48 PAGESIZE (4 KiB)  0x54 DNCTRL  0x58 CRCR  0x70 DCBAAP  0x78 CONFIG
 * </pre>
 * Root port i (1-4) and i + 4 share one connector: a SuperSpeed device appears on the USB 3 port,
 * any other on the USB 2 port, as in QEMU.
 *
 * <h2>Threads and locking</h2>
 * Everything is guarded by this object's monitor: register accesses (CPU thread), commands (their
 * own virtual thread, {@link CommandRing}), device completions (the devices' threads) and
 * moderation timers. Devices complete transfers without holding their own locks, so the order is
 * always controller, then device.
 *
 * <h2>HCRST</h2>
 * Resets every register and slot and re-trains the ports (the devices see a bus reset). Transfers
 * the devices have claimed are left to finish (they are moving data into guest memory); until they
 * have, USBSTS.CNR and USBCMD.HCRST stay set, so a driver that waits for them (as Linux does) never
 * sees a stale DMA land after the reset. Their completions are dropped.
 */
public final class XhciController implements MmioOps {
    public static final long SIZE = 0x4000;
    public static final int MAX_SLOTS = 64;
    public static final int INTERRUPTERS = 16;
    /** Root hub connectors: each has a USB 2 port (1..4) and a USB 3 port (5..8). */
    public static final int CONNECTORS = 4;
    static final int PORTS = 2 * CONNECTORS;

    static final int CAPLENGTH = 0x40;
    static final int HCIVERSION = 0x0100;
    static final int XECP = 0x20;
    static final int OPERATIONAL = CAPLENGTH;
    static final int PORT_REGISTERS = OPERATIONAL + 0x400;
    static final int PORT_STRIDE = 0x10;
    static final int RUNTIME = 0x1000;
    static final int INTERRUPTER_REGISTERS = RUNTIME + 0x20;
    static final int INTERRUPTER_STRIDE = 0x20;
    static final int DOORBELLS = 0x2000;

    static final int HCCPARAMS1_AC64 = 1;
    static final int HCCPARAMS1_CSZ = 1 << 2;
    static final int HCCPARAMS1_NSS = 1 << 7;
    /** Supported Protocol capability ID and its name string "USB ". */
    static final int CAP_SUPPORTED_PROTOCOL = 2;
    static final int PROTOCOL_NAME_USB = 0x2042_5355;

    static final int USBCMD = OPERATIONAL;
    static final int USBSTS = OPERATIONAL + 0x04;
    static final int PAGESIZE = OPERATIONAL + 0x08;
    static final int DNCTRL = OPERATIONAL + 0x14;
    static final int CRCR = OPERATIONAL + 0x18;
    static final int DCBAAP = OPERATIONAL + 0x30;
    static final int CONFIG = OPERATIONAL + 0x38;

    static final int CMD_RS = 1;
    static final int CMD_HCRST = 1 << 1;
    static final int CMD_INTE = 1 << 2;
    static final int CMD_WRITABLE = CMD_RS | CMD_INTE | 1 << 3 | 1 << 10 | 1 << 11;
    static final int STS_HCH = 1;
    static final int STS_HSE = 1 << 2;
    static final int STS_EINT = 1 << 3;
    static final int STS_PCD = 1 << 4;
    static final int STS_SRE = 1 << 10;
    static final int STS_CNR = 1 << 11;
    static final int STS_WRITE_CLEAR = STS_HSE | STS_EINT | STS_PCD | STS_SRE;

    /**
     * What the controller needs from the PCI function it sits in (doorbells are ignored while the
     * function may not master the bus), and virtual time.
     */
    public interface Host extends ControllerHost {
        /** Virtual time in nanoseconds (MFINDEX, moderation). */
        long nanos();
    }

    /** A command interrupted by HCRST: its effects are void. */
    static final class ResetException extends RuntimeException {
        ResetException() {
            super("the controller was reset");
        }
    }

    private final Host host;
    private final Consumer<String> warnings;
    private final boolean contexts64;
    private final RootPort[] ports = new RootPort[PORTS];
    private final Interrupter[] interrupters = new Interrupter[INTERRUPTERS];
    private final DeviceSlot[] slots = new DeviceSlot[MAX_SLOTS + 1];
    private final CommandRing commandRing;

    private int usbcmd;
    private int usbsts;
    private int dnctrl;
    private long dcbaap;
    private int config;
    private int epoch;
    /** Claimed transfers a reset abandoned that are still moving data. */
    private int abandoned;

    /**
     * @param devices    the device on each connector, {@code null} for none (at most {@link #CONNECTORS})
     * @param contexts64 whether contexts are 64 bytes (HCCPARAMS1.CSZ) rather than 32
     */
    public XhciController(List<UsbDevice> devices, Host host, boolean contexts64, Consumer<String> warnings) {
        if (devices.size() > CONNECTORS) {
            throw new IllegalArgumentException("the controller has " + CONNECTORS + " connectors, not "
                    + devices.size());
        }
        this.host = host;
        this.warnings = warnings;
        this.contexts64 = contexts64;
        for (int i = 0; i < CONNECTORS; i++) {
            UsbDevice d = i < devices.size() ? devices.get(i) : null;
            if (d != null) {
                d.attachWork(host.work());
            }
            boolean superSpeed = d != null && d.maxSpeed() == UsbSpeed.SUPER;
            ports[i] = new RootPort(i + 1, false, superSpeed ? null : d, this);
            ports[i + CONNECTORS] = new RootPort(i + 1 + CONNECTORS, true, superSpeed ? d : null, this);
        }
        for (int i = 0; i < INTERRUPTERS; i++) {
            interrupters[i] = new Interrupter(i, this);
        }
        for (int i = 1; i <= MAX_SLOTS; i++) {
            slots[i] = new DeviceSlot(i, this);
        }
        commandRing = new CommandRing(this);
        synchronized (this) {
            hardReset();
        }
    }

    @Override
    public AccessRules rules() {
        return AccessRules.adapted(1, 8, 4, 4);
    }

    @Override
    public synchronized long read(long offset, int size) {
        int at = (int) offset;
        if (at < OPERATIONAL) {
            return capability(at) & 0xffff_ffffL;
        }
        if (at >= PORT_REGISTERS && at < PORT_REGISTERS + PORTS * PORT_STRIDE) {
            RootPort p = ports[(at - PORT_REGISTERS) / PORT_STRIDE];
            return (at - PORT_REGISTERS) % PORT_STRIDE == 0 ? p.read() & 0xffff_ffffL : 0;
        }
        if (at >= INTERRUPTER_REGISTERS && at < INTERRUPTER_REGISTERS + INTERRUPTERS * INTERRUPTER_STRIDE) {
            int i = (at - INTERRUPTER_REGISTERS) / INTERRUPTER_STRIDE;
            return interrupters[i].read((at - INTERRUPTER_REGISTERS) % INTERRUPTER_STRIDE) & 0xffff_ffffL;
        }
        return switch (at) {
            case USBCMD -> usbcmd | (abandoned > 0 ? CMD_HCRST : 0);
            case USBSTS -> usbsts | (abandoned > 0 ? STS_CNR : 0);
            case PAGESIZE -> 1;
            case DNCTRL -> dnctrl;
            case CRCR -> commandRing.readCrcr();
            case CRCR + 4 -> 0;
            case DCBAAP -> dcbaap & 0xffff_ffffL;
            case DCBAAP + 4 -> dcbaap >>> 32;
            case CONFIG -> config;
            case RUNTIME -> (host.nanos() / 125_000) & 0x3fff; // MFINDEX: 125 µs microframes
            default -> 0;
        };
    }

    private int capability(int at) {
        int hccparams1 = HCCPARAMS1_AC64 | (contexts64 ? HCCPARAMS1_CSZ : 0) | HCCPARAMS1_NSS | (XECP / 4) << 16;
        return switch (at) {
            case 0x00 -> CAPLENGTH | HCIVERSION << 16;
            case 0x04 -> MAX_SLOTS | INTERRUPTERS << 8 | PORTS << 24;
            case 0x08 -> Interrupter.ERST_MAX_LOG2 << 4;
            case 0x10 -> hccparams1;
            case 0x14 -> DOORBELLS;
            case 0x18 -> RUNTIME;
            // Supported Protocol capabilities (section 7.2): ID, next (dwords), revision; name; ports; slot type.
            case XECP -> CAP_SUPPORTED_PROTOCOL | 4 << 8 | 0x0200 << 16;
            case XECP + 4, XECP + 0x14 -> PROTOCOL_NAME_USB;
            case XECP + 8 -> 1 | CONNECTORS << 8;
            case XECP + 0x10 -> CAP_SUPPORTED_PROTOCOL | 0x0300 << 16;
            case XECP + 0x18 -> (1 + CONNECTORS) | CONNECTORS << 8;
            default -> 0;
        };
    }

    @Override
    public synchronized void write(long offset, long value, int size) {
        int at = (int) offset;
        int v = (int) value;
        if (at >= PORT_REGISTERS && at < PORT_REGISTERS + PORTS * PORT_STRIDE) {
            if ((at - PORT_REGISTERS) % PORT_STRIDE == 0) {
                ports[(at - PORT_REGISTERS) / PORT_STRIDE].write(v);
            }
            return;
        }
        if (at >= INTERRUPTER_REGISTERS && at < INTERRUPTER_REGISTERS + INTERRUPTERS * INTERRUPTER_STRIDE) {
            int i = (at - INTERRUPTER_REGISTERS) / INTERRUPTER_STRIDE;
            interrupters[i].write((at - INTERRUPTER_REGISTERS) % INTERRUPTER_STRIDE, value & 0xffff_ffffL);
            return;
        }
        if (at >= DOORBELLS && at <= DOORBELLS + 4 * MAX_SLOTS) {
            doorbell((at - DOORBELLS) / 4, v);
            return;
        }
        switch (at) {
            case USBCMD -> writeCommand(v);
            case USBSTS -> {
                usbsts &= ~(v & STS_WRITE_CLEAR);
                updateInterrupt();
            }
            case DNCTRL -> dnctrl = v & 0xffff;
            case CRCR -> commandRing.writeCrcr(v);
            case CRCR + 4 -> commandRing.writeCrcrHigh(v);
            case DCBAAP -> dcbaap = dcbaap & ~0xffff_ffffL | v & 0xffff_ffc0L;
            case DCBAAP + 4 -> dcbaap = dcbaap & 0xffff_ffffL | (value & 0xffff_ffffL) << 32;
            case CONFIG -> config = v & 0x3ff;
            default -> {
                // read-only or reserved
            }
        }
    }

    private void writeCommand(int v) {
        if ((v & CMD_HCRST) != 0) {
            hardReset();
            return;
        }
        boolean wasRunning = (usbcmd & CMD_RS) != 0;
        usbcmd = v & CMD_WRITABLE;
        boolean run = (usbcmd & CMD_RS) != 0;
        if (run && !wasRunning) {
            usbsts &= ~STS_HCH;
        } else if (!run && wasRunning) {
            usbsts |= STS_HCH;
            commandRing.halted();
        }
        updateInterrupt();
    }

    private void doorbell(int target, int value) {
        if (!running() || !host.dmaAllowed()) {
            return;
        }
        if (target == 0) {
            commandRing.doorbell();
            return;
        }
        DeviceSlot slot = slots[target];
        if (slot.state() == DeviceSlot.State.DISABLED || slot.state() == DeviceSlot.State.ENABLED) {
            return;
        }
        Endpoint ep = slot.endpoint(value & 0xff);
        if (ep != null) {
            ep.ring();
        }
    }

    /** HCRST and power-on (section 4.2): everything back to defaults; see the class comment for transfers. */
    private void hardReset() {
        epoch++;
        notifyAll();
        for (int i = 1; i <= MAX_SLOTS; i++) {
            for (int dci = 1; dci < DeviceSlot.ENDPOINTS; dci++) {
                Endpoint ep = slots[i].endpoint(dci);
                if (ep != null && ep.abandon()) {
                    abandoned++;
                }
            }
            slots[i].clear();
        }
        commandRing.reset();
        usbcmd = 0;
        usbsts = STS_HCH;
        dnctrl = 0;
        dcbaap = 0;
        config = 0;
        for (Interrupter i : interrupters) {
            i.reset();
        }
        for (RootPort p : ports) {
            p.powerOn();
        }
        updatePortChange();
        updateInterrupt();
    }

    // ---------------------------------------------------------------- for the parts

    AddressSpace memory() {
        return host.memory();
    }

    long nanos() {
        return host.nanos();
    }

    void warn(String message) {
        warnings.accept("xhci: " + message);
    }

    int epoch() {
        return epoch;
    }

    /** Whether the controller runs: R/S set and no reset pending. */
    boolean running() {
        return (usbcmd & CMD_RS) != 0 && abandoned == 0;
    }

    boolean dmaAllowed() {
        return host.dmaAllowed();
    }

    Contexts contexts() {
        return new Contexts(host.memory(), contexts64 ? 64 : 32);
    }

    long dcbaap() {
        return dcbaap;
    }

    int maxSlotsEnabled() {
        return Math.min(config & 0xff, MAX_SLOTS);
    }

    DeviceSlot slot(int id) {
        return id >= 1 && id <= MAX_SLOTS ? slots[id] : null;
    }

    RootPort port(int number) {
        return number >= 1 && number <= PORTS ? ports[number - 1] : null;
    }

    CommandRing commandRing() {
        return commandRing;
    }

    /** Waits (releasing the lock) for a transfer to end; throws if a reset happens meanwhile. */
    void awaitChange(int sinceEpoch) {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ResetException();
        }
        if (epoch != sinceEpoch) {
            throw new ResetException();
        }
    }

    /** Where the parts report work the guest waits for. */
    WorkTracker work() {
        return host.work();
    }

    /** A transfer HCRST abandoned has completed; the reset ends when the last one has. */
    void abandonedTransferEnded() {
        if (abandoned > 0 && --abandoned == 0) {
            notifyAll();
        }
    }

    /** Runs {@code task} under the lock after {@code delayNanos}, unless the controller is reset first. */
    void after(long delayNanos, Runnable task) {
        int at = epoch;
        host.work().begin();
        Thread.ofVirtual().name("xhci-timer").start(() -> {
            try {
                Thread.sleep(Duration.ofNanos(delayNanos));
                synchronized (this) {
                    if (epoch == at) {
                        task.run();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                host.work().end();
            }
        });
    }

    void postEvent(int interrupter, Trb event) {
        interrupters[interrupter < INTERRUPTERS ? interrupter : 0].post(event, true);
    }

    void postTransferEvent(DeviceSlot slot, int dci, long parameter, int code, int length, boolean eventData) {
        postEvent(slot.interrupterTarget(), Trb.event(Trb.TRANSFER_EVENT, parameter, code, length, slot.id(), dci,
                eventData));
    }

    /** A port change bit went up: USBSTS.PCD and, while running, a Port Status Change Event. */
    void portChanged(int port) {
        usbsts |= STS_PCD;
        if ((usbcmd & CMD_RS) != 0) {
            postEvent(0, Trb.event(Trb.PORT_STATUS_CHANGE_EVENT, (long) port << 24, CompletionCode.SUCCESS, 0, 0, 0,
                    false));
        }
    }

    void updatePortChange() {
        for (RootPort p : ports) {
            if ((p.read() & RootPort.CHANGE_BITS) != 0) {
                usbsts |= STS_PCD;
            }
        }
    }

    /** An interrupter set IP: USBSTS.EINT and the line. */
    void interruptPosted() {
        usbsts |= STS_EINT;
        updateInterrupt();
    }

    /** INTx follows USBCMD.INTE and every interrupter's IP and IE (section 4.17.1). */
    void updateInterrupt() {
        boolean level = false;
        if ((usbcmd & CMD_INTE) != 0) {
            for (Interrupter i : interrupters) {
                level |= i.asserting();
            }
        }
        host.interrupt(level);
    }

    /** A PCI reset: as HCRST. */
    public synchronized void reset() {
        hardReset();
    }
}
