package dev.jimg.emulator.cpu;

/**
 * A synchronous exception raised by an instruction, carried out of the interpreter to the trap
 * entry. One instance per hart is reused: guests fault often (page faults are the normal way Linux
 * fills memory), so raising one must not allocate or capture a stack trace.
 */
final class Trap extends RuntimeException {
    private static final long serialVersionUID = 1L;

    // Exception causes, Privileged ISA 1.12 table 3.6 "Machine cause register (mcause) values".
    static final int INSTRUCTION_MISALIGNED = 0;
    static final int INSTRUCTION_ACCESS_FAULT = 1;
    static final int ILLEGAL_INSTRUCTION = 2;
    static final int BREAKPOINT = 3;
    static final int LOAD_MISALIGNED = 4;
    static final int LOAD_ACCESS_FAULT = 5;
    static final int STORE_MISALIGNED = 6;
    static final int STORE_ACCESS_FAULT = 7;
    static final int ECALL_FROM_U = 8;
    static final int ECALL_FROM_S = 9;
    static final int ECALL_FROM_M = 11;
    static final int INSTRUCTION_PAGE_FAULT = 12;
    static final int LOAD_PAGE_FAULT = 13;
    static final int STORE_PAGE_FAULT = 15;

    int cause;
    long tval;

    Trap() {
        super("guest trap", null, false, false);
    }

    /** Fills in the reused instance and returns it for throwing. */
    Trap raise(int newCause, long newTval) {
        cause = newCause;
        tval = newTval;
        return this;
    }

    /** Whether the trap happened while fetching, before the instruction could start. */
    boolean duringFetch() {
        return cause == INSTRUCTION_ACCESS_FAULT || cause == INSTRUCTION_PAGE_FAULT
                || cause == INSTRUCTION_MISALIGNED;
    }
}
