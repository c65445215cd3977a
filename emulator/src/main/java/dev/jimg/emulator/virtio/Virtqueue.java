package dev.jimg.emulator.virtio;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.BusErrorException;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A split virtqueue (virtio 1.1, section 2.6) in guest memory:
 * <pre>
 *   descriptor table, 16 bytes per entry:  le64 addr, le32 len, le16 flags (NEXT 1, WRITE 2,
 *                                           INDIRECT 4), le16 next
 *   available ring (driver area):           le16 flags (NO_INTERRUPT 1), le16 idx, le16 ring[size]
 *   used ring (device area):                le16 flags, le16 idx, {le32 id, le32 len} ring[size]
 * </pre>
 * {@link #pop()} runs on the thread that handles the driver's notification; {@link #push} may run
 * on any thread (requests complete concurrently). The used element is written before the used
 * index is published with release ordering, so a driver that reads the index sees the element.
 */
public final class Virtqueue {
    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    private static final int DESCRIPTOR_SIZE = 16;

    private final AddressSpace memory;
    private final int size;
    private final long descriptors;
    private final long available;
    private final long used;
    private final boolean indirectAllowed;
    private int lastAvailable;
    private int usedIndex;

    /**
     * @param size            number of entries (a power of two up to the device's maximum)
     * @param indirectAllowed whether VIRTIO_RING_F_INDIRECT_DESC was negotiated
     */
    public Virtqueue(AddressSpace memory, int size, long descriptors, long available, long used,
            boolean indirectAllowed) {
        this.memory = memory;
        this.size = size;
        this.descriptors = descriptors;
        this.available = available;
        this.used = used;
        this.indirectAllowed = indirectAllowed;
    }

    public int size() {
        return size;
    }

    /** The next chain the driver made available, or {@code null} if there is none. */
    public DescriptorChain pop() {
        int availableIndex = read(available + 2, 2);
        VarHandle.acquireFence();
        if (lastAvailable == availableIndex) {
            return null;
        }
        int head = read(available + 4 + 2L * (lastAvailable % size), 2);
        lastAvailable = (lastAvailable + 1) & 0xffff;
        return walk(head);
    }

    private DescriptorChain walk(int head) {
        List<DescriptorChain.Buffer> buffers = new ArrayList<>();
        long table = descriptors;
        int tableSize = size;
        int index = head;
        int steps = 0;
        boolean indirect = false;
        while (true) {
            if (index >= tableSize) {
                throw new VirtioException("descriptor index " + index + " beyond a table of " + tableSize);
            }
            if (++steps > tableSize) {
                throw new VirtioException("descriptor chain starting at " + head + " loops");
            }
            long d = table + (long) index * DESCRIPTOR_SIZE;
            long address = readLong(d);
            int length = read(d + 8, 4);
            int flags = read(d + 12, 2);
            int next = read(d + 14, 2);
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirectAllowed || indirect || (flags & DESC_F_NEXT) != 0 || length % DESCRIPTOR_SIZE != 0
                        || length == 0) {
                    throw new VirtioException("invalid indirect descriptor " + index + " in chain " + head);
                }
                table = address;
                tableSize = length / DESCRIPTOR_SIZE;
                index = 0;
                steps = 0;
                indirect = true;
                continue;
            }
            buffers.add(new DescriptorChain.Buffer(address, length, (flags & DESC_F_WRITE) != 0));
            if ((flags & DESC_F_NEXT) == 0) {
                return new DescriptorChain(head, List.copyOf(buffers));
            }
            index = next;
        }
    }

    /** Returns a chain to the driver with {@code written} bytes filled in; any thread. */
    public synchronized void push(DescriptorChain chain, int written) {
        long element = used + 4 + 8L * (usedIndex % size);
        write(element, 4, chain.head());
        write(element + 4, 4, written);
        usedIndex = (usedIndex + 1) & 0xffff;
        VarHandle.releaseFence();
        write(used + 2, 2, usedIndex);
        VarHandle.fullFence();
    }

    /** Whether the driver asked not to be interrupted for used buffers (VIRTQ_AVAIL_F_NO_INTERRUPT). */
    public boolean interruptSuppressed() {
        return (read(available, 2) & AVAIL_F_NO_INTERRUPT) != 0;
    }

    private int read(long address, int bytes) {
        try {
            return (int) memory.read(address, bytes);
        } catch (BusErrorException e) {
            throw new VirtioException("virtqueue memory at 0x" + Long.toHexString(address) + " is not accessible", e);
        }
    }

    private long readLong(long address) {
        try {
            return memory.read(address, 8);
        } catch (BusErrorException e) {
            throw new VirtioException("virtqueue memory at 0x" + Long.toHexString(address) + " is not accessible", e);
        }
    }

    private void write(long address, int bytes, long value) {
        try {
            memory.write(address, bytes, value);
        } catch (BusErrorException e) {
            throw new VirtioException("virtqueue memory at 0x" + Long.toHexString(address) + " is not accessible", e);
        }
    }
}
