package dev.jimg.block.file;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Up to {@code count} direct buffers of one size for bulk copying ({@code convert}'s items),
 * carved from one anonymous mapping that the kernel is asked to back with transparent huge
 * pages ({@code madvise(MADV_HUGEPAGE)}).
 *
 * <p>Why: {@link ByteBuffer#allocateDirect} zeroes its buffer, faulting in every 4 KiB page, and
 * on the virtual machines jimg is measured on a page fault costs ~15 µs — eight 2 MiB buffers
 * were 4 096 faults, ~60 ms of CPU on the thread that plans the copy. A fresh mapping is zero
 * already, and with huge pages each 2 MiB costs one fault. Where native calls do not apply (or
 * the mapping fails) the buffers come from {@code allocateDirect} as before; where the kernel
 * gives no huge pages, the mapping still saves the zeroing pass.
 *
 * <p>The buffers belong to a shared arena: after {@link #close} (which unmaps the memory) any use
 * of one fails with an exception rather than touching unmapped memory. Buffers are handed out
 * by {@link #next} from any thread.
 */
public final class HugePageBuffers implements AutoCloseable {
    private static final long HUGE_PAGE = 2 << 20;

    private final int count;
    private final int size;
    private final Arena arena;
    private final MemorySegment region;
    private int handedOut;

    private HugePageBuffers(int count, int size, Arena arena, MemorySegment region) {
        this.count = count;
        this.size = size;
        this.arena = arena;
        this.region = region;
    }

    /** Room for {@code count} buffers of {@code size} bytes; nothing is touched until used. */
    public static HugePageBuffers reserve(int count, int size) {
        if (count <= 0 || size <= 0) {
            throw new IllegalArgumentException(count + " buffers of " + size + " bytes");
        }
        long length = (long) count * size;
        if (!NativeFileOps.available()) {
            return new HugePageBuffers(count, size, null, null);
        }
        // One huge page more than needed, so that the buffers can start on a huge-page boundary.
        long mapped = length + HUGE_PAGE;
        long address = NativeFileOps.mmapAnonymous(mapped);
        if (address < 0) {
            return new HugePageBuffers(count, size, null, null);
        }
        long start = (address + HUGE_PAGE - 1) & -HUGE_PAGE;
        NativeFileOps.adviseHugePages(start, length); // a kernel without THP refuses; that is fine
        Arena arena = Arena.ofShared();
        MemorySegment whole = MemorySegment.ofAddress(address)
                .reinterpret(mapped, arena, unused -> NativeFileOps.munmap(address, mapped));
        return new HugePageBuffers(count, size, arena, whole.asSlice(start - address, length));
    }

    /** Whether the buffers come from the huge-page mapping rather than {@code allocateDirect}. */
    public boolean mapped() {
        return region != null;
    }

    /** The next buffer, position 0 and limit its size; at most {@code count} of them. */
    public synchronized ByteBuffer next() {
        if (handedOut == count) {
            throw new IllegalStateException("all " + count + " buffers are handed out");
        }
        int i = handedOut++;
        if (region == null) {
            return ByteBuffer.allocateDirect(size);
        }
        return region.asSlice((long) i * size, size).asByteBuffer();
    }

    /** Unmaps the memory: every buffer handed out becomes unusable. */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
