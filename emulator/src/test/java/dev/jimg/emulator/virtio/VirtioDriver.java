package dev.jimg.emulator.virtio;

import dev.jimg.emulator.memory.AddressSpace;
import java.util.concurrent.TimeoutException;

/**
 * A scripted virtio driver for device tests: it negotiates over the MMIO registers, lays out one
 * split virtqueue in guest memory, posts descriptor chains and waits for the used ring, the way
 * the virtio 1.1 specification's driver sections (3.1 and 2.6.13) describe.
 */
final class VirtioDriver {
    static final long DESC = 0x1000;
    static final long AVAIL = 0x2000;
    static final long USED = 0x3000;
    static final int QUEUE_SIZE = 16;

    private final VirtioMmio mmio;
    private final AddressSpace memory;
    private int availIndex;
    private int usedSeen;
    private int nextDescriptor;

    VirtioDriver(VirtioMmio mmio, AddressSpace memory) {
        this.mmio = mmio;
        this.memory = memory;
    }

    int reg(int offset) {
        return (int) mmio.read(offset, 4);
    }

    void setReg(int offset, long value) {
        mmio.write(offset, value, 4);
    }

    long deviceFeatures() {
        setReg(0x14, 0);
        long low = reg(0x10) & 0xffff_ffffL;
        setReg(0x14, 1);
        return low | (long) reg(0x10) << 32;
    }

    /** Acknowledge, accept {@code features}, set up queue 0, DRIVER_OK. Returns the final status. */
    int initialise(long features) {
        setReg(0x70, 0);
        setReg(0x70, 1);
        setReg(0x70, 1 | 2);
        setReg(0x24, 0);
        setReg(0x20, features & 0xffff_ffffL);
        setReg(0x24, 1);
        setReg(0x20, features >>> 32);
        setReg(0x70, 1 | 2 | 8);
        if ((reg(0x70) & 8) == 0) {
            return reg(0x70);
        }
        setReg(0x30, 0);
        setReg(0x38, QUEUE_SIZE);
        setReg(0x80, DESC);
        setReg(0x84, 0);
        setReg(0x90, AVAIL);
        setReg(0x94, 0);
        setReg(0xa0, USED);
        setReg(0xa4, 0);
        setReg(0x44, 1);
        setReg(0x70, 1 | 2 | 8 | 4);
        return reg(0x70);
    }

    /** Writes a descriptor; returns its index. */
    int descriptor(long address, int length, int flags, int next) {
        int index = nextDescriptor++ % QUEUE_SIZE;
        long d = DESC + 16L * index;
        memory.write(d, 8, address);
        memory.write(d + 8, 4, length);
        memory.write(d + 12, 2, flags);
        memory.write(d + 14, 2, next);
        return index;
    }

    /** Chains descriptors for {@code buffers} (address, length, writable as 0/1) and makes them available. */
    int post(long[][] buffers) {
        int first = nextDescriptor % QUEUE_SIZE;
        for (int i = 0; i < buffers.length; i++) {
            boolean last = i == buffers.length - 1;
            int flags = (last ? 0 : Virtqueue.DESC_F_NEXT) | (buffers[i][2] != 0 ? Virtqueue.DESC_F_WRITE : 0);
            descriptor(buffers[i][0], (int) buffers[i][1], flags, (first + i + 1) % QUEUE_SIZE);
        }
        makeAvailable(first);
        return first;
    }

    void makeAvailable(int head) {
        memory.write(AVAIL + 4 + 2L * (availIndex % QUEUE_SIZE), 2, head);
        availIndex++;
        memory.write(AVAIL + 2, 2, availIndex & 0xffff);
        setReg(0x50, 0);
    }

    void suppressInterrupts(boolean suppress) {
        memory.write(AVAIL, 2, suppress ? 1 : 0);
    }

    /** Waits for the next used element; returns {id, len}. */
    long[] awaitUsed() throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((memory.read(USED + 2, 2) & 0xffff) == usedSeen) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the device did not use the buffers");
            }
            Thread.sleep(1);
        }
        long element = USED + 4 + 8L * (usedSeen % QUEUE_SIZE);
        usedSeen++;
        return new long[] {memory.read(element, 4), memory.read(element + 4, 4)};
    }
}
