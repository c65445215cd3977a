package dev.jimg.emulator.virtio;

import dev.jimg.emulator.memory.AddressSpace;

/**
 * What a device needs from its transport: guest memory and the two interrupt reasons. It means the
 * same on every transport, so {@link VirtioControl} implements it once for all of them.
 */
public interface VirtioTransport {

    /** Guest memory as the device sees it for DMA. */
    AddressSpace memory();

    /** The device put buffers in a used ring. */
    void usedBuffers(int queue);

    /** The device's configuration changed (or it needs a reset). */
    void configChanged();

    /** The device hit a protocol error and can only continue after a reset. */
    void needsReset(String why);
}
