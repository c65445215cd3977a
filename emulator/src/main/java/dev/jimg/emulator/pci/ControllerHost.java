package dev.jimg.emulator.pci;

import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.AddressSpace;

/**
 * What a bus-mastering controller model (an AHCI HBA, an xHCI controller) needs from the PCI
 * function that houses it, so that the model itself knows nothing of configuration space.
 * {@link ControllerFunction} provides it.
 */
public interface ControllerHost {
    /** Guest memory as the controller's DMA sees it. */
    AddressSpace memory();

    /**
     * Whether the driver lets the function master the bus (PCI command register bit 2): the
     * controller starts no DMA until it does.
     */
    boolean dmaAllowed();

    /** Drives the function's interrupt pin (level-triggered INTx). */
    void interrupt(boolean level);

    /** Where the controller reports work the guest waits for (idle time must not be skipped then). */
    WorkTracker work();
}
