package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.BusErrorException;

/**
 * A device slot (xHCI 1.2, section 4.5.3): the device it addresses through a root port, its
 * output device context in guest memory, and its endpoints by DCI.
 */
final class DeviceSlot {
    /** Slot states (section 4.5.3, figure 4-5); ENABLED reads as "Disabled/Enabled" (0) in the context. */
    enum State {
        DISABLED, ENABLED, DEFAULT, ADDRESSED, CONFIGURED
    }

    static final int ENDPOINTS = 32;

    private final int id;
    private final XhciController controller;
    private State state = State.DISABLED;
    private RootPort port;
    private long context;
    private int interrupterTarget;
    private final Endpoint[] endpoints = new Endpoint[ENDPOINTS];

    DeviceSlot(int id, XhciController controller) {
        this.id = id;
        this.controller = controller;
    }

    int id() {
        return id;
    }

    State state() {
        return state;
    }

    void setState(State s) {
        state = s;
    }

    RootPort port() {
        return port;
    }

    void setPort(RootPort p) {
        port = p;
    }

    long context() {
        return context;
    }

    void setContext(long address) {
        context = address;
    }

    int interrupterTarget() {
        return interrupterTarget;
    }

    void setInterrupterTarget(int target) {
        interrupterTarget = target;
    }

    Endpoint endpoint(int dci) {
        return dci > 0 && dci < ENDPOINTS ? endpoints[dci] : null;
    }

    void setEndpoint(int dci, Endpoint ep) {
        endpoints[dci] = ep;
    }

    /** Whether any endpoint but the default control endpoint is enabled (the slot is configured). */
    boolean hasDataEndpoints() {
        for (int dci = 2; dci < ENDPOINTS; dci++) {
            if (endpoints[dci] != null) {
                return true;
            }
        }
        return false;
    }

    /** The highest DCI enabled: the slot context's Context Entries. */
    int contextEntries() {
        for (int dci = ENDPOINTS - 1; dci > 0; dci--) {
            if (endpoints[dci] != null) {
                return dci;
            }
        }
        return 1;
    }

    void writeEndpointContext(int dci, int epState, long dequeueWithCycle) {
        if (context == 0) {
            return;
        }
        Contexts ctx = controller.contexts();
        try {
            ctx.setEndpoint(ctx.deviceEndpoint(context, dci), epState, dequeueWithCycle);
        } catch (BusErrorException e) {
            controller.warn("slot " + id + ": the device context at 0x" + Long.toHexString(context)
                    + " is not in guest memory");
        }
    }

    /** Forgets everything (Disable Slot, HCRST). */
    void clear() {
        state = State.DISABLED;
        port = null;
        context = 0;
        interrupterTarget = 0;
        java.util.Arrays.fill(endpoints, null);
    }
}
