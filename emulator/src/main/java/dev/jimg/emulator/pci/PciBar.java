package dev.jimg.emulator.pci;

import dev.jimg.emulator.memory.MemoryRegion;
import java.util.Objects;

/**
 * One base address register of a function and the registers it decodes (PCI Local Bus
 * Specification 3.0, section 6.2.5.1 "Address Maps"). The low bits of a BAR are read-only and say
 * what it is:
 * <pre>
 *   memory: bit 0 = 0, bits 2:1 type (00 32-bit, 10 64-bit), bit 3 prefetchable, bits 31:4 address
 *   I/O:    bit 0 = 1, bit 1 reserved, bits 31:2 address
 * </pre>
 * A 64-bit BAR takes the next register for the upper half of the address. The size is a power of
 * two; the address bits below it are read-only zeroes, which is how a driver sizes the BAR: it
 * writes all ones and reads back {@code ~(size - 1)} plus the type bits.
 *
 * <p>The host bridge maps {@link #region()} into the PCI memory or I/O space at the address the
 * driver programs, while the command register enables decoding of that kind.
 */
public final class PciBar {
    /** What a BAR decodes. */
    public enum Kind {
        /** I/O space, reached through the host bridge's I/O window. */
        IO(4),
        /** Memory below 4 GiB. */
        MEMORY_32(16),
        /** Memory anywhere in the 64-bit space; uses two BAR registers. */
        MEMORY_64(16);

        /** The smallest size the register format allows: the type bits must stay read-only. */
        final long minimumSize;

        Kind(long minimumSize) {
            this.minimumSize = minimumSize;
        }
    }

    /** The address of a BAR that is not mapped. */
    public static final long UNMAPPED = -1;
    /** The largest I/O BAR (PCI 3.0, section 6.2.5.1: I/O BARs request at most 256 bytes). */
    public static final long MAX_IO_SIZE = 256;

    private final int index;
    private final Kind kind;
    private final boolean prefetchable;
    private final MemoryRegion region;
    private long mappedAt = UNMAPPED;

    PciBar(int index, Kind kind, boolean prefetchable, MemoryRegion region) {
        this.index = index;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.prefetchable = prefetchable;
        this.region = Objects.requireNonNull(region, "region");
        long size = region.size();
        if (Long.bitCount(size) != 1 || size < kind.minimumSize) {
            throw new IllegalArgumentException("BAR " + index + " (" + region.name() + ") must be a power of two of at least "
                    + kind.minimumSize + " bytes, not " + size);
        }
        if (kind == Kind.IO && (size > MAX_IO_SIZE || prefetchable)) {
            throw new IllegalArgumentException("I/O BAR " + index + " (" + region.name()
                    + ") must be at most " + MAX_IO_SIZE + " bytes and not prefetchable");
        }
        if (kind == Kind.MEMORY_32 && size > 1L << 31) {
            throw new IllegalArgumentException("32-bit BAR " + index + " (" + region.name() + ") cannot be "
                    + size + " bytes");
        }
        int last = kind == Kind.MEMORY_64 ? index + 1 : index;
        if (index < 0 || last >= PciDevice.BAR_COUNT) {
            throw new IllegalArgumentException("BAR index " + index + " does not fit a type-0 header (0.."
                    + (PciDevice.BAR_COUNT - 1) + (kind == Kind.MEMORY_64 ? ", two registers" : "") + ")");
        }
    }

    public int index() {
        return index;
    }

    public Kind kind() {
        return kind;
    }

    public boolean prefetchable() {
        return prefetchable;
    }

    /** The registers behind the BAR; its size is the BAR's size. */
    public MemoryRegion region() {
        return region;
    }

    public long size() {
        return region.size();
    }

    /** Where the BAR is mapped in its PCI address space now, or {@link #UNMAPPED}. */
    public long address() {
        return mappedAt;
    }

    void mappedAt(long address) {
        mappedAt = address;
    }

    /** The read-only low bits of the BAR register that say its kind. */
    int typeBits() {
        return switch (kind) {
            case IO -> 1;
            case MEMORY_32 -> prefetchable ? 8 : 0;
            case MEMORY_64 -> 4 | (prefetchable ? 8 : 0);
        };
    }

    /** The writable bits of the BAR register (the low register of a 64-bit BAR). */
    long addressMask() {
        long lowBits = kind == Kind.IO ? 3 : 15;
        return ~(size() - 1) & ~lowBits & 0xffff_ffffL;
    }
}
