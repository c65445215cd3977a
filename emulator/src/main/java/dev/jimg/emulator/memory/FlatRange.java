package dev.jimg.emulator.memory;

/**
 * A piece of an address space where one leaf region ({@link RamRegion} or {@link MmioRegion}) is
 * visible: addresses {@code start} (inclusive) to {@code end} (exclusive) reach the leaf at
 * {@code leafOffset + (address - start)}.
 */
public record FlatRange(long start, long end, MemoryRegion leaf, long leafOffset) {

    public boolean contains(long address) {
        return address >= start && address < end;
    }

    /** The offset in the leaf of {@code address}, which must lie in this range. */
    public long offsetOf(long address) {
        return leafOffset + (address - start);
    }
}
