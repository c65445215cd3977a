package dev.jimg.emulator.pci;

import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.AddressSpace;
import java.util.Objects;

/**
 * A PCI function that houses a bus-mastering controller model: it is the model's
 * {@link ControllerHost}, with DMA through the function's bus, gated by Bus Master Enable, and the
 * interrupt on the function's INTx pin. The subclass still describes itself as any
 * {@link PciDevice} does (its BARs over the model's registers, capabilities, config registers) and
 * resets the model in {@link #resetDevice()}.
 */
public abstract class ControllerFunction extends PciDevice implements ControllerHost {
    private final WorkTracker work;

    protected ControllerFunction(PciIdentity identity, WorkTracker work) {
        super(identity);
        this.work = Objects.requireNonNull(work, "work");
    }

    @Override
    public final AddressSpace memory() {
        return dma();
    }

    @Override
    public final boolean dmaAllowed() {
        return busMasterEnabled();
    }

    @Override
    public final void interrupt(boolean level) {
        setIntx(level);
    }

    @Override
    public final WorkTracker work() {
        return work;
    }
}
