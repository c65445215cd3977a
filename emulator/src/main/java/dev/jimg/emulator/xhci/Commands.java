package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.BusErrorException;
import dev.jimg.emulator.usb.SetupPacket;
import dev.jimg.emulator.usb.TransferBuffer;
import dev.jimg.emulator.usb.UsbDevice;
import dev.jimg.emulator.usb.UsbTransfer;

/**
 * What each command does (xHCI 1.2, section 4.6): slot and endpoint state changes, and the
 * contexts the controller writes back into the output device context. Runs under the
 * controller's lock on the command ring's thread.
 */
final class Commands {
    /** A command's completion: code, slot ID and the 24-bit completion parameter. */
    record Result(int code, int slotId, int parameter) {
        static Result of(int code) {
            return new Result(code, 0, 0);
        }

        static Result of(int code, DeviceSlot slot) {
            return new Result(code, slot.id(), 0);
        }
    }

    private final XhciController controller;

    Commands(XhciController controller) {
        this.controller = controller;
    }

    Result execute(Trb t) {
        if (t.type() == Trb.ENABLE_SLOT) {
            return enableSlot();
        }
        if (t.type() == Trb.NO_OP_COMMAND) {
            return Result.of(CompletionCode.SUCCESS);
        }
        DeviceSlot slot = controller.slot(t.slotId());
        boolean known = switch (t.type()) {
            case Trb.DISABLE_SLOT, Trb.ADDRESS_DEVICE, Trb.CONFIGURE_ENDPOINT, Trb.EVALUATE_CONTEXT, Trb.RESET_ENDPOINT,
                    Trb.STOP_ENDPOINT, Trb.SET_TR_DEQUEUE_POINTER, Trb.RESET_DEVICE -> true;
            default -> false;
        };
        if (!known) {
            controller.warn("command " + t + " is not supported");
            return Result.of(CompletionCode.TRB_ERROR);
        }
        if (slot == null || slot.state() == DeviceSlot.State.DISABLED || t.slotId() > controller.maxSlotsEnabled()) {
            return new Result(CompletionCode.SLOT_NOT_ENABLED, t.slotId(), 0);
        }
        try {
            int code = switch (t.type()) {
                case Trb.DISABLE_SLOT -> disableSlot(slot);
                case Trb.ADDRESS_DEVICE -> addressDevice(slot, t.parameter() & ~0xfL, t.has(Trb.BSR));
                case Trb.CONFIGURE_ENDPOINT -> configureEndpoint(slot, t.parameter() & ~0xfL, t.has(Trb.DECONFIGURE));
                case Trb.EVALUATE_CONTEXT -> evaluateContext(slot, t.parameter() & ~0xfL);
                case Trb.RESET_ENDPOINT -> resetEndpoint(slot.endpoint(t.endpointId()));
                case Trb.STOP_ENDPOINT -> stopEndpoint(slot, slot.endpoint(t.endpointId()));
                case Trb.SET_TR_DEQUEUE_POINTER -> setDequeue(slot.endpoint(t.endpointId()), t.parameter());
                default -> resetDevice(slot);
            };
            return Result.of(code, slot);
        } catch (BusErrorException e) {
            controller.warn("command " + t + ": a context is not in guest memory: " + e.getMessage());
            return Result.of(CompletionCode.PARAMETER_ERROR, slot);
        }
    }

    private Result enableSlot() {
        for (int id = 1; id <= controller.maxSlotsEnabled(); id++) {
            DeviceSlot slot = controller.slot(id);
            if (slot.state() == DeviceSlot.State.DISABLED) {
                slot.setState(DeviceSlot.State.ENABLED);
                return new Result(CompletionCode.SUCCESS, id, 0);
            }
        }
        return Result.of(CompletionCode.NO_SLOTS_AVAILABLE);
    }

    private int disableSlot(DeviceSlot slot) {
        for (int dci = 1; dci < DeviceSlot.ENDPOINTS; dci++) {
            drop(slot, dci);
        }
        if (slot.context() != 0) {
            controller.contexts().setSlotState(slot.context(), Contexts.SLOT_STATE_DISABLED, -1);
        }
        slot.clear();
        return CompletionCode.SUCCESS;
    }

    /** Section 4.6.5: with BSR the slot goes to Default without SET_ADDRESS, otherwise to Addressed. */
    private int addressDevice(DeviceSlot slot, long input, boolean blockSetAddress) {
        DeviceSlot.State s = slot.state();
        if (s != DeviceSlot.State.ENABLED && !(s == DeviceSlot.State.DEFAULT && !blockSetAddress)) {
            return CompletionCode.CONTEXT_STATE_ERROR;
        }
        Contexts ctx = controller.contexts();
        if ((ctx.addFlags(input) & 3) != 3) {
            return CompletionCode.PARAMETER_ERROR;
        }
        long inputSlot = ctx.inputSlot(input);
        RootPort port = controller.port(Contexts.rootHubPort(ctx.dword(inputSlot, 1)));
        if (port == null || port.device() == null || !port.enabled()) {
            return CompletionCode.USB_TRANSACTION_ERROR;
        }
        long device = controller.memory().read(controller.dcbaap() + 8L * slot.id(), 8) & ~0x3fL;
        if (device == 0) {
            return CompletionCode.PARAMETER_ERROR;
        }
        drop(slot, 1);
        long inputEp0 = ctx.inputEndpoint(input, 1);
        int address = blockSetAddress ? 0 : slot.id();
        if (!blockSetAddress && !request(port.device(), new SetupPacket(0, UsbDevice.SET_ADDRESS, address, 0, 0))) {
            return CompletionCode.USB_TRANSACTION_ERROR;
        }
        ctx.copy(inputSlot, device);
        ctx.copy(inputEp0, ctx.deviceEndpoint(device, 1));
        ctx.setSlotState(device, blockSetAddress ? Contexts.SLOT_STATE_DEFAULT : Contexts.SLOT_STATE_ADDRESSED, address);
        ctx.setContextEntries(device, 1);
        slot.setPort(port);
        slot.setContext(device);
        slot.setInterrupterTarget(Contexts.interrupterTarget(ctx.dword(inputSlot, 2)));
        Endpoint ep0 = new Endpoint(controller, slot, 1, Contexts.EP_TYPE_CONTROL,
                Contexts.maxPacketSize(ctx.dword(inputEp0, 1)), Ring.Position.of(ctx.dequeue(inputEp0)));
        slot.setEndpoint(1, ep0);
        ep0.setState(Endpoint.State.RUNNING);
        slot.setState(blockSetAddress ? DeviceSlot.State.DEFAULT : DeviceSlot.State.ADDRESSED);
        return CompletionCode.SUCCESS;
    }

    /** Section 4.6.6: drop and add endpoints (or, with DC, all but the default one). */
    private int configureEndpoint(DeviceSlot slot, long input, boolean deconfigure) {
        if (slot.state() != DeviceSlot.State.ADDRESSED && slot.state() != DeviceSlot.State.CONFIGURED) {
            return CompletionCode.CONTEXT_STATE_ERROR;
        }
        Contexts ctx = controller.contexts();
        int drop = deconfigure ? ~3 : ctx.dropFlags(input) & ~3;
        int add = deconfigure ? 0 : ctx.addFlags(input) & ~3;
        for (int dci = 2; dci < DeviceSlot.ENDPOINTS; dci++) {
            if (((drop | add) & 1 << dci) != 0) {
                drop(slot, dci);
            }
        }
        for (int dci = 2; dci < DeviceSlot.ENDPOINTS; dci++) {
            if ((add & 1 << dci) == 0) {
                continue;
            }
            long in = ctx.inputEndpoint(input, dci);
            int dw1 = ctx.dword(in, 1);
            int type = Contexts.endpointType(dw1);
            if (type == 0 || type == Contexts.EP_TYPE_ISOCH_OUT || type == Contexts.EP_TYPE_ISOCH_IN) {
                controller.warn("slot " + slot.id() + " endpoint " + dci + ": endpoint type " + type + " is not supported");
                return CompletionCode.PARAMETER_ERROR;
            }
            ctx.copy(in, ctx.deviceEndpoint(slot.context(), dci));
            Endpoint ep = new Endpoint(controller, slot, dci, type, Contexts.maxPacketSize(dw1),
                    Ring.Position.of(ctx.dequeue(in)));
            slot.setEndpoint(dci, ep);
            ep.setState(Endpoint.State.RUNNING);
        }
        boolean configured = slot.hasDataEndpoints();
        slot.setState(configured ? DeviceSlot.State.CONFIGURED : DeviceSlot.State.ADDRESSED);
        ctx.setSlotState(slot.context(), configured ? Contexts.SLOT_STATE_CONFIGURED : Contexts.SLOT_STATE_ADDRESSED, -1);
        ctx.setContextEntries(slot.context(), slot.contextEntries());
        return CompletionCode.SUCCESS;
    }

    /** Section 4.6.7: the slot's interrupter target and exit latency, the default endpoint's packet size. */
    private int evaluateContext(DeviceSlot slot, long input) {
        if (slot.state() == DeviceSlot.State.ENABLED) {
            return CompletionCode.CONTEXT_STATE_ERROR;
        }
        Contexts ctx = controller.contexts();
        int add = ctx.addFlags(input);
        if ((add & 1) != 0) {
            long in = ctx.inputSlot(input);
            int dw1 = ctx.dword(slot.context(), 1) & ~0xffff | ctx.dword(in, 1) & 0xffff;
            int dw2 = ctx.dword(slot.context(), 2) & 0x003f_ffff | ctx.dword(in, 2) & 0xffc0_0000;
            ctx.setDword(slot.context(), 1, dw1);
            ctx.setDword(slot.context(), 2, dw2);
            slot.setInterrupterTarget(Contexts.interrupterTarget(dw2));
        }
        if ((add & 2) != 0) {
            int size = Contexts.maxPacketSize(ctx.dword(ctx.inputEndpoint(input, 1), 1));
            long out = ctx.deviceEndpoint(slot.context(), 1);
            ctx.setDword(out, 1, ctx.dword(out, 1) & 0xffff | size << 16);
            slot.endpoint(1).setMaxPacketSize(size);
        }
        return CompletionCode.SUCCESS;
    }

    /** Section 4.6.8: a halted endpoint becomes stopped (software then moves its dequeue pointer). */
    private int resetEndpoint(Endpoint ep) {
        if (ep == null || ep.state() != Endpoint.State.HALTED) {
            return CompletionCode.CONTEXT_STATE_ERROR;
        }
        ep.setState(Endpoint.State.STOPPED);
        return CompletionCode.SUCCESS;
    }

    /**
     * Section 4.6.9: the endpoint stops. A TD in flight either completes first (the device had
     * claimed it) or is rolled back and reported with Stopped - Length Invalid on its first TRB,
     * where the dequeue pointer stays (see {@link Endpoint}).
     */
    private int stopEndpoint(DeviceSlot slot, Endpoint ep) {
        if (ep == null || ep.state() != Endpoint.State.RUNNING) {
            return CompletionCode.CONTEXT_STATE_ERROR;
        }
        TransferDescriptor rolledBack = ep.quiesce();
        if (rolledBack != null) {
            controller.postTransferEvent(slot, ep.dci(), rolledBack.firstTrb(), CompletionCode.STOPPED_LENGTH_INVALID, 0,
                    false);
        }
        if (ep.state() != Endpoint.State.RUNNING) {
            return CompletionCode.CONTEXT_STATE_ERROR; // the TD that completed meanwhile halted it
        }
        ep.setState(Endpoint.State.STOPPED);
        return CompletionCode.SUCCESS;
    }

    /** Section 4.6.10: only a stopped (or error) endpoint's dequeue pointer may move. */
    private int setDequeue(Endpoint ep, long pointer) {
        if (ep == null || (ep.state() != Endpoint.State.STOPPED && ep.state() != Endpoint.State.ERROR)) {
            return CompletionCode.CONTEXT_STATE_ERROR;
        }
        ep.setDequeue(Ring.Position.of(pointer));
        return CompletionCode.SUCCESS;
    }

    /** Section 4.6.11: every endpoint but the default one goes; the slot is back in Default. */
    private int resetDevice(DeviceSlot slot) {
        if (slot.state() != DeviceSlot.State.ADDRESSED && slot.state() != DeviceSlot.State.CONFIGURED) {
            return CompletionCode.CONTEXT_STATE_ERROR;
        }
        for (int dci = 2; dci < DeviceSlot.ENDPOINTS; dci++) {
            drop(slot, dci);
        }
        Endpoint ep0 = slot.endpoint(1);
        if (ep0 != null) {
            ep0.quiesce();
        }
        Contexts ctx = controller.contexts();
        ctx.setSlotState(slot.context(), Contexts.SLOT_STATE_DEFAULT, 0);
        ctx.setContextEntries(slot.context(), 1);
        slot.setState(DeviceSlot.State.DEFAULT);
        return CompletionCode.SUCCESS;
    }

    /** Disables endpoint {@code dci} of {@code slot} after bringing it to rest. */
    private void drop(DeviceSlot slot, int dci) {
        Endpoint ep = slot.endpoint(dci);
        if (ep == null) {
            return;
        }
        ep.quiesce();
        ep.setState(Endpoint.State.DISABLED);
        slot.setEndpoint(dci, null);
    }

    /** A request the controller itself sends on the default pipe (SET_ADDRESS); true unless it stalled. */
    private static boolean request(UsbDevice device, SetupPacket setup) {
        boolean[] ok = new boolean[1];
        device.submit(new UsbTransfer(0, false, setup, TransferBuffer.of(new byte[0]),
                (t, status, actual) -> ok[0] = status == UsbTransfer.Status.COMPLETED));
        return ok[0];
    }
}
