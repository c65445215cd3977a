package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.pci.PciTestMachine;
import dev.jimg.emulator.usb.SetupPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A scripted xHCI driver for tests: it lays out the DCBAA, a command ring, one event ring and a
 * transfer ring per endpoint in the test machine's RAM, and speaks to the controller the way an OS
 * does, one step at a time, so tests can take the paths an OS rarely takes.
 */
final class XhciDriver {
    static final long RAM = PciTestMachine.RAM;
    static final long DCBAA = RAM + 0x1000;
    static final long ERST = RAM + 0x2000;
    static final long COMMAND_RING = RAM + 0x3000;
    static final long EVENT_RING = RAM + 0x4000;
    static final long INPUT_CONTEXT = RAM + 0x8000;
    static final long DEVICE_CONTEXTS = RAM + 0x10000;
    static final long TRANSFER_RINGS = RAM + 0x100000;
    static final long DATA = RAM + 0x200000;
    static final int RING_TRBS = 64;
    static final int EVENT_TRBS = 256;

    /** A TRB as the driver reads or writes it. */
    record Trb(long parameter, int status, int control) {
        int type() {
            return (control >>> 10) & 0x3f;
        }

        int code() {
            return status >>> 24;
        }

        int length() {
            return status & 0xff_ffff;
        }

        int slotId() {
            return control >>> 24;
        }

        int endpointId() {
            return (control >>> 16) & 0x1f;
        }
    }

    /** A producer ring: TRBs with the producer cycle bit, a Link TRB back to the start. */
    final class ProducerRing {
        final long base;
        int index;
        boolean cycle = true;

        ProducerRing(long base) {
            this.base = base;
            for (int i = 0; i < RING_TRBS; i++) {
                bus.write(base + 16L * i, new byte[16], 0, 16);
            }
        }

        /** Writes a TRB; returns its address. */
        long put(long parameter, int status, int control) {
            long at = base + 16L * index;
            bus.write(at, 8, parameter);
            bus.write(at + 8, 4, status & 0xffff_ffffL);
            bus.write(at + 12, 4, (control & ~1 | (cycle ? 1 : 0)) & 0xffff_ffffL);
            index++;
            if (index == RING_TRBS - 1) {
                long link = base + 16L * index;
                bus.write(link, 8, base);
                bus.write(link + 8, 4, 0);
                bus.write(link + 12, 4, (6 << 10 | 2 | (cycle ? 1 : 0)) & 0xffff_ffffL);
                index = 0;
                cycle = !cycle;
            }
            return at;
        }

        /** The next TRB's address with the cycle state in bit 0: a dequeue pointer. */
        long next() {
            return base + 16L * index | (cycle ? 1 : 0);
        }
    }

    final PciTestMachine machine;
    final AddressSpace bus;
    final int pciSlot;
    final long base;
    final boolean contexts64;
    ProducerRing commands;
    final List<Trb> events = new ArrayList<>();
    private int eventIndex;
    private boolean eventCycle = true;
    private final ProducerRing[][] rings = new ProducerRing[65][32];

    XhciDriver(PciTestMachine machine, int pciSlot, boolean contexts64) {
        this.machine = machine;
        this.bus = machine.bus();
        this.pciSlot = pciSlot;
        this.base = machine.assignBars(pciSlot)[0];
        this.contexts64 = contexts64;
    }

    int contextSize() {
        return contexts64 ? 64 : 32;
    }

    long reg(int offset) {
        return bus.read(base + offset, 4);
    }

    void setReg(int offset, long value) {
        bus.write(base + offset, 4, value);
    }

    long portsc(int port) {
        return reg(XhciController.PORT_REGISTERS + 0x10 * (port - 1));
    }

    /** Programs the controller as an OS does after reset and sets R/S. */
    void start() {
        commands = new ProducerRing(COMMAND_RING);
        setReg(XhciController.CONFIG, XhciController.MAX_SLOTS);
        setReg(XhciController.DCBAAP, DCBAA);
        setReg(XhciController.DCBAAP + 4, 0);
        setReg(XhciController.CRCR, COMMAND_RING | 1);
        setReg(XhciController.CRCR + 4, 0);
        bus.write(ERST, 8, EVENT_RING);
        bus.write(ERST + 8, 4, EVENT_TRBS);
        for (int i = 0; i < EVENT_TRBS; i++) {
            bus.write(EVENT_RING + 16L * i, new byte[16], 0, 16);
        }
        int ir = XhciController.INTERRUPTER_REGISTERS;
        setReg(ir + 0x04, 0);
        setReg(ir + 0x08, 1);
        setReg(ir + 0x18, EVENT_RING);
        setReg(ir + 0x1c, 0);
        setReg(ir + 0x10, ERST);
        setReg(ir + 0x14, 0);
        setReg(ir, Interrupter.IMAN_IE);
        setReg(XhciController.USBCMD, XhciController.CMD_RS | XhciController.CMD_INTE);
        eventIndex = 0;
        eventCycle = true;
    }

    /** Reads new events off the ring (acknowledging them in ERDP). */
    void poll() {
        boolean any = false;
        while (true) {
            long at = EVENT_RING + 16L * eventIndex;
            int control = (int) bus.read(at + 12, 4);
            if (((control & 1) != 0) != eventCycle) {
                break;
            }
            events.add(new Trb(bus.read(at, 8), (int) bus.read(at + 8, 4), control));
            eventIndex++;
            if (eventIndex == EVENT_TRBS) {
                eventIndex = 0;
                eventCycle = !eventCycle;
            }
            any = true;
        }
        if (any) {
            int ir = XhciController.INTERRUPTER_REGISTERS;
            setReg(ir, Interrupter.IMAN_IP | Interrupter.IMAN_IE);
            setReg(ir + 0x18, (EVENT_RING + 16L * eventIndex) | Interrupter.ERDP_EHB);
            setReg(ir + 0x1c, 0);
        }
    }

    /** Waits for an event matching {@code match} that has not been taken yet, and takes it. */
    Trb await(String what, Predicate<Trb> match) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            poll();
            for (int i = 0; i < events.size(); i++) {
                if (match.test(events.get(i))) {
                    return events.remove(i);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; events: " + events);
            }
            Thread.sleep(1);
        }
    }

    /** Queues a command and rings doorbell 0; returns the command TRB's address. */
    long issue(long parameter, int status, int control) {
        long at = commands.put(parameter, status, control);
        setReg(XhciController.DOORBELLS, 0);
        return at;
    }

    /** Runs a command and returns its completion event. */
    Trb command(long parameter, int status, int control) throws InterruptedException {
        long at = issue(parameter, status, control);
        return completionOf(at);
    }

    Trb completionOf(long commandTrb) throws InterruptedException {
        return await("completion of the command at 0x" + Long.toHexString(commandTrb),
                e -> e.type() == 33 && e.parameter() == commandTrb);
    }

    int enableSlot() throws InterruptedException {
        Trb e = command(0, 0, 9 << 10);
        if (e.code() != 1) {
            throw new AssertionError("Enable Slot failed with code " + e.code());
        }
        return e.slotId();
    }

    long deviceContext(int slot) {
        return DEVICE_CONTEXTS + 0x1000L * slot;
    }

    /** Fills the input context for Address Device: slot context (port, 1 entry) and EP0. */
    Trb addressDevice(int slot, int port, boolean bsr) throws InterruptedException {
        clearInput();
        bus.write(DCBAA + 8L * slot, 8, deviceContext(slot));
        bus.write(INPUT_CONTEXT + 4, 4, 3);
        long slotCtx = INPUT_CONTEXT + contextSize();
        bus.write(slotCtx, 4, 1L << 27 | 4L << 20);
        bus.write(slotCtx + 4, 4, (long) port << 16);
        ring(slot, 1);
        writeEndpoint(slot, 1, 4, 512);
        return command(INPUT_CONTEXT, 0, 11 << 10 | slot << 24 | (bsr ? 1 << 9 : 0));
    }

    /** Adds bulk IN endpoint 1 (DCI 3) and bulk OUT endpoint 2 (DCI 4). */
    Trb configureBulk(int slot) throws InterruptedException {
        clearInput();
        bus.write(INPUT_CONTEXT + 4, 4, 1 | 1 << 3 | 1 << 4);
        bus.write(INPUT_CONTEXT + contextSize(), 4, 4L << 27);
        ring(slot, 3);
        ring(slot, 4);
        writeEndpoint(slot, 3, 6, 1024);
        writeEndpoint(slot, 4, 2, 1024);
        return command(INPUT_CONTEXT, 0, 12 << 10 | slot << 24);
    }

    private void clearInput() {
        bus.write(INPUT_CONTEXT, new byte[33 * 64], 0, 33 * 64);
    }

    /** A fresh transfer ring for {@code dci}, its dequeue pointer in the input endpoint context. */
    ProducerRing ring(int slot, int dci) {
        ProducerRing r = new ProducerRing(TRANSFER_RINGS + 0x1000L * (slot * 32 + dci));
        rings[slot][dci] = r;
        return r;
    }

    ProducerRing ringOf(int slot, int dci) {
        return rings[slot][dci];
    }

    private void writeEndpoint(int slot, int dci, int type, int maxPacket) {
        long ep = INPUT_CONTEXT + (long) (dci + 1) * contextSize();
        bus.write(ep + 4, 4, (long) maxPacket << 16 | type << 3 | 3 << 1);
        bus.write(ep + 8, 8, rings[slot][dci].next());
    }

    /** The output endpoint context's state and dequeue pointer. */
    int endpointState(int slot, int dci) {
        return (int) bus.read(deviceContext(slot) + (long) dci * contextSize(), 4) & 7;
    }

    long endpointDequeue(int slot, int dci) {
        return bus.read(deviceContext(slot) + (long) dci * contextSize() + 8, 8);
    }

    int slotState(int slot) {
        return (int) (bus.read(deviceContext(slot) + 12, 4) >>> 27);
    }

    void doorbell(int slot, int dci) {
        setReg(XhciController.DOORBELLS + 4 * slot, dci);
    }

    /** Queues a bulk TD of one Normal TRB (IOC, ISP) at {@code buffer}; returns the TRB's address. */
    long bulk(int slot, int dci, long buffer, int length) {
        return rings[slot][dci].put(buffer, length, 1 << 10 | 1 << 5 | 1 << 2);
    }

    /** Runs a control transfer on EP0; returns the Status Stage event (or the stall). */
    Trb control(int slot, SetupPacket setup, long buffer) throws InterruptedException {
        ProducerRing r = rings[slot][1];
        int trt = setup.length() == 0 ? 0 : setup.in() ? 3 : 2;
        r.put(setup.toLong(), 8, 2 << 10 | 1 << 6 | trt << 16);
        if (setup.length() > 0) {
            r.put(buffer, setup.length(), 3 << 10 | (setup.in() ? 1 << 16 | 1 << 2 : 0));
        }
        long status = r.put(0, 0, 4 << 10 | 1 << 5 | (setup.in() && setup.length() > 0 ? 0 : 1 << 16));
        doorbell(slot, 1);
        return await("the control transfer's event", e -> e.type() == 32 && e.slotId() == slot && e.endpointId() == 1
                && (e.parameter() == status || e.code() == 6));
    }

    /** The next Transfer Event for {@code slot}/{@code dci}. */
    Trb transferEvent(int slot, int dci) throws InterruptedException {
        return await("a transfer event on slot " + slot + " endpoint " + dci,
                e -> e.type() == 32 && e.slotId() == slot && e.endpointId() == dci);
    }

    byte[] memory(long address, int length) {
        byte[] b = new byte[length];
        bus.read(address, b, 0, length);
        return b;
    }
}
