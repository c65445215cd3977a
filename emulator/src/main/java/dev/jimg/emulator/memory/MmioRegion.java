package dev.jimg.emulator.memory;

import java.util.Objects;

/**
 * Device registers: accesses are checked against the device's {@link AccessRules}, adapted to the
 * sizes it implements, byte-swapped for big-endian devices, and handed to its {@link MmioOps}.
 */
public final class MmioRegion extends MemoryRegion {
    private final MmioOps ops;
    private final AccessRules rules;

    public MmioRegion(String name, long size, MmioOps ops) {
        super(name, size);
        this.ops = Objects.requireNonNull(ops, "ops");
        this.rules = Objects.requireNonNull(ops.rules(), "rules");
    }

    public MmioOps ops() {
        return ops;
    }

    public AccessRules rules() {
        return rules;
    }

    /** Whether the bus accepts this access at all; if not, it is a bus error. */
    public boolean accepts(long offset, int size) {
        return rules.accepts(offset, size);
    }

    /** Reads {@code size} bytes at {@code offset}, as a little-endian value zero-extended to 64 bits. */
    public long read(long offset, int size) {
        long value;
        if (size < rules.implMin()) {
            int wide = rules.implMin();
            long base = offset & -wide;
            value = ops.read(base, wide);
            value = toBus(value, wide) >>> ((offset - base) * 8);
        } else if (size > rules.implMax()) {
            int part = rules.implMax();
            value = 0;
            for (int i = 0; i < size; i += part) {
                value |= (toBus(ops.read(offset + i, part), part) & mask(part)) << (i * 8);
            }
        } else {
            value = toBus(ops.read(offset, size), size);
        }
        return value & mask(size);
    }

    /** Writes the low {@code size} bytes of {@code value} (little-endian) at {@code offset}. */
    public void write(long offset, int size, long value) {
        value &= mask(size);
        if (size < rules.implMin()) {
            int wide = rules.implMin();
            long base = offset & -wide;
            ops.write(base, fromBus(value << ((offset - base) * 8), wide), wide);
        } else if (size > rules.implMax()) {
            int part = rules.implMax();
            for (int i = 0; i < size; i += part) {
                ops.write(offset + i, fromBus((value >>> (i * 8)) & mask(part), part), part);
            }
        } else {
            ops.write(offset, fromBus(value, size), size);
        }
    }

    private long toBus(long deviceValue, int size) {
        return rules.endianness() == Endianness.BIG ? swap(deviceValue, size) : deviceValue;
    }

    private long fromBus(long busValue, int size) {
        return rules.endianness() == Endianness.BIG ? swap(busValue, size) : busValue;
    }

    private static long swap(long value, int size) {
        return Long.reverseBytes(value) >>> (64 - size * 8);
    }

    static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }
}
