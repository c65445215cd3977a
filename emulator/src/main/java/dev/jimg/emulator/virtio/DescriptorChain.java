package dev.jimg.emulator.virtio;

import java.util.List;

/**
 * One request the driver made available: the buffers of a descriptor chain in order, indirect
 * tables already followed.
 *
 * @param head    the index of the chain's first descriptor, which the used ring reports back
 * @param buffers the guest buffers, device-readable ones first by the rules of the ring
 */
public record DescriptorChain(int head, List<Buffer> buffers) {

    /** A guest buffer: {@code length} bytes at guest-physical {@code address}. */
    public record Buffer(long address, int length, boolean deviceWritable) {
    }

    /** Bytes in the device-writable buffers (what the used ring reports when all are filled). */
    public int writableBytes() {
        int n = 0;
        for (Buffer b : buffers) {
            if (b.deviceWritable()) {
                n += b.length();
            }
        }
        return n;
    }
}
