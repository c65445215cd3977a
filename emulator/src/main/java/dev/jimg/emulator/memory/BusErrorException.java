package dev.jimg.emulator.memory;

/**
 * An access the bus cannot complete: nothing is mapped at the address, the device refuses the
 * access size, or a write targets read-only memory. The CPU turns it into an access fault; a DMA
 * engine reports it to its driver as a device error.
 */
public final class BusErrorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long address;

    public BusErrorException(long address, String message) {
        super(message);
        this.address = address;
    }

    /** The physical address of the failed access. */
    public long address() {
        return address;
    }
}
