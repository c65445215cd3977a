package dev.jimg.emulator.xhci;

/**
 * A Transfer Request Block as it sits in a ring (xHCI 1.2, section 4.11 and 6.4): 16 bytes,
 * parameter (64 bits), status (32) and control (32), the cycle bit in control bit 0 and the TRB
 * type in control bits 15:10. The meaning of the other bits depends on the type:
 * <pre>
 *   Normal, Data Stage, Isoch:  parameter = buffer (or the data itself with IDT);
 *                               status 16:0 length, 31:22 interrupter target;
 *                               control ENT 1, ISP 2, CH 4, IOC 5, IDT 6, BEI 9, DIR 16 (Data Stage)
 *   Setup Stage:                parameter = the 8-byte setup packet (IDT must be set), TRT 17:16
 *   Status Stage:               control DIR 16, CH 4, IOC 5
 *   Event Data:                 parameter = the value the Transfer Event carries; CH 4, IOC 5
 *   Link:                       parameter = next segment; control TC 1 (toggle cycle), CH 4
 *   commands:                   slot ID 31:24, endpoint ID 20:16 where they apply
 *   events:                     status 31:24 completion code, 23:0 length or parameter;
 *                               control slot ID 31:24, endpoint ID 20:16, ED 2
 * </pre>
 *
 * @param address where the TRB was read, or 0 for one built to be written
 */
record Trb(long parameter, int status, int control, long address) {
    static final int SIZE = 16;

    // TRB types (table 6-91)
    static final int NORMAL = 1;
    static final int SETUP_STAGE = 2;
    static final int DATA_STAGE = 3;
    static final int STATUS_STAGE = 4;
    static final int ISOCH = 5;
    static final int LINK = 6;
    static final int EVENT_DATA = 7;
    static final int NO_OP = 8;
    static final int ENABLE_SLOT = 9;
    static final int DISABLE_SLOT = 10;
    static final int ADDRESS_DEVICE = 11;
    static final int CONFIGURE_ENDPOINT = 12;
    static final int EVALUATE_CONTEXT = 13;
    static final int RESET_ENDPOINT = 14;
    static final int STOP_ENDPOINT = 15;
    static final int SET_TR_DEQUEUE_POINTER = 16;
    static final int RESET_DEVICE = 17;
    static final int NO_OP_COMMAND = 23;
    static final int TRANSFER_EVENT = 32;
    static final int COMMAND_COMPLETION_EVENT = 33;
    static final int PORT_STATUS_CHANGE_EVENT = 34;
    static final int HOST_CONTROLLER_EVENT = 37;

    // control bits
    static final int CYCLE = 1;
    static final int TOGGLE_CYCLE = 1 << 1;
    static final int ENT = 1 << 1;
    static final int ISP = 1 << 2;
    static final int EVENT_DATA_FLAG = 1 << 2;
    static final int CHAIN = 1 << 4;
    static final int IOC = 1 << 5;
    static final int IDT = 1 << 6;
    static final int BSR = 1 << 9;
    static final int DECONFIGURE = 1 << 9;
    static final int BEI = 1 << 9;
    static final int DIR_IN = 1 << 16;
    /** The largest buffer one TRB describes: the length field is 17 bits, capped at 64 KiB. */
    static final int MAX_LENGTH = 1 << 16;

    int type() {
        return (control >>> 10) & 0x3f;
    }

    boolean cycle() {
        return (control & CYCLE) != 0;
    }

    boolean has(int flag) {
        return (control & flag) != 0;
    }

    /** The buffer length of a transfer TRB. */
    int length() {
        return status & 0x1_ffff;
    }

    int slotId() {
        return control >>> 24;
    }

    int endpointId() {
        return (control >>> 16) & 0x1f;
    }

    /** Whether the TRB carries data (rather than being an Event Data, No Op or Link TRB). */
    boolean carriesData() {
        int t = type();
        return t == NORMAL || t == DATA_STAGE || t == ISOCH;
    }

    /** An event TRB of {@code type}; the cycle bit is set by the event ring. */
    static Trb event(int type, long parameter, int completionCode, int length, int slotId, int endpointId,
            boolean eventData) {
        int control = type << 10 | slotId << 24 | endpointId << 16 | (eventData ? EVENT_DATA_FLAG : 0);
        return new Trb(parameter, completionCode << 24 | (length & 0xff_ffff), control, 0);
    }

    @Override
    public String toString() {
        return String.format("TRB type %d at 0x%x (%016x %08x %08x)", type(), address, parameter, status, control);
    }
}
