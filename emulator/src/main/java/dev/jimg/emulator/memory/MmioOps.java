package dev.jimg.emulator.memory;

/**
 * A device's register file as the bus sees it. Offsets are relative to the region; values are the
 * bytes of the access read in the device's byte order, zero-extended to 64 bits. The region calls
 * these only with sizes in {@link #rules()}'s implemented range, aligned to the size unless the
 * rules allow otherwise.
 *
 * <p>Calls may come from the CPU thread and from device threads doing DMA-triggered register
 * updates; devices synchronise their own state.
 */
public interface MmioOps {

    long read(long offset, int size);

    void write(long offset, long value, int size);

    /** The access sizes this device accepts and implements. */
    default AccessRules rules() {
        return AccessRules.DEFAULT;
    }
}
