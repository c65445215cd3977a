package dev.jimg.emulator.xhci;

import dev.jimg.emulator.memory.AddressSpace;

/**
 * Where the contexts are in an input or device context, and the fields the controller reads and
 * writes (xHCI 1.2, section 6.2). Contexts are 32 or 64 bytes (HCCPARAMS1.CSZ); only the first 32
 * bytes hold fields.
 * <pre>
 *   input context:  [0] input control context: DW0 drop flags D2..D31, DW1 add flags A0..A31;
 *                   [1] slot context; [1 + DCI] endpoint context DCI
 *   device context: [0] slot context; [DCI] endpoint context DCI (1 = default control endpoint)
 *   slot context:   DW0 route string 19:0, speed 23:20, context entries 31:27;
 *                   DW1 max exit latency 15:0, root hub port number 23:16;
 *                   DW2 interrupter target 31:22; DW3 USB device address 7:0, slot state 31:27
 *   endpoint ctx:   DW0 EP state 2:0, interval 23:16; DW1 CErr 2:1, EP type 5:3, max packet size
 *                   31:16; DW2-3 TR dequeue pointer 63:4 with DCS in bit 0; DW4 average TRB length
 * </pre>
 */
final class Contexts {
    static final int SLOT_STATE_DISABLED = 0;
    static final int SLOT_STATE_DEFAULT = 1;
    static final int SLOT_STATE_ADDRESSED = 2;
    static final int SLOT_STATE_CONFIGURED = 3;

    static final int EP_TYPE_CONTROL = 4;
    /** Endpoint types at and above this one are IN (5 isoch, 6 bulk, 7 interrupt IN). */
    static final int EP_TYPE_FIRST_IN = 5;
    static final int EP_TYPE_ISOCH_OUT = 1;
    static final int EP_TYPE_ISOCH_IN = 5;

    private final AddressSpace memory;
    private final int size;

    Contexts(AddressSpace memory, int size) {
        this.memory = memory;
        this.size = size;
    }

    int size() {
        return size;
    }

    // ---------------------------------------------------------------- addresses

    static long inputControl(long input) {
        return input;
    }

    long inputSlot(long input) {
        return input + size;
    }

    long inputEndpoint(long input, int dci) {
        return input + (long) (dci + 1) * size;
    }

    long deviceEndpoint(long device, int dci) {
        return device + (long) dci * size;
    }

    // ---------------------------------------------------------------- fields

    int dword(long context, int index) {
        return (int) memory.read(context + 4L * index, 4);
    }

    void setDword(long context, int index, int value) {
        memory.write(context + 4L * index, 4, value & 0xffff_ffffL);
    }

    /** Copies the 32 bytes of fields of one context. */
    void copy(long from, long to) {
        byte[] fields = new byte[32];
        memory.read(from, fields, 0, fields.length);
        memory.write(to, fields, 0, fields.length);
    }

    int dropFlags(long input) {
        return dword(inputControl(input), 0);
    }

    int addFlags(long input) {
        return dword(inputControl(input), 1);
    }

    static int rootHubPort(int slotDw1) {
        return (slotDw1 >>> 16) & 0xff;
    }

    static int interrupterTarget(int slotDw2) {
        return slotDw2 >>> 22;
    }

    static int endpointType(int epDw1) {
        return (epDw1 >>> 3) & 7;
    }

    static int maxPacketSize(int epDw1) {
        return epDw1 >>> 16;
    }

    long dequeue(long endpointContext) {
        return memory.read(endpointContext + 8, 8);
    }

    /** Writes the slot state, and the device address when {@code address >= 0}. */
    void setSlotState(long slotContext, int state, int address) {
        int dw3 = dword(slotContext, 3);
        dw3 = dw3 & 0x07ff_ffff | state << 27;
        if (address >= 0) {
            dw3 = dw3 & ~0xff | address;
        }
        setDword(slotContext, 3, dw3);
    }

    void setContextEntries(long slotContext, int entries) {
        setDword(slotContext, 0, dword(slotContext, 0) & 0x07ff_ffff | entries << 27);
    }

    /** Writes an endpoint's state and dequeue pointer (with DCS). */
    void setEndpoint(long endpointContext, int state, long dequeueWithCycle) {
        setDword(endpointContext, 0, dword(endpointContext, 0) & ~7 | state);
        memory.write(endpointContext + 8, 8, dequeueWithCycle);
    }
}
