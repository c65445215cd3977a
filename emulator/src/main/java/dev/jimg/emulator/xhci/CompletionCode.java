package dev.jimg.emulator.xhci;

/** The completion codes events carry (xHCI 1.2, section 6.4.5, table 6-90). */
final class CompletionCode {
    static final int SUCCESS = 1;
    static final int DATA_BUFFER_ERROR = 2;
    static final int USB_TRANSACTION_ERROR = 4;
    static final int TRB_ERROR = 5;
    static final int STALL_ERROR = 6;
    static final int NO_SLOTS_AVAILABLE = 9;
    static final int SLOT_NOT_ENABLED = 11;
    static final int ENDPOINT_NOT_ENABLED = 12;
    static final int SHORT_PACKET = 13;
    static final int PARAMETER_ERROR = 17;
    static final int CONTEXT_STATE_ERROR = 19;
    static final int EVENT_RING_FULL = 21;
    static final int COMMAND_RING_STOPPED = 24;
    static final int COMMAND_ABORTED = 25;
    static final int STOPPED = 26;
    static final int STOPPED_LENGTH_INVALID = 27;

    private CompletionCode() {
    }
}
