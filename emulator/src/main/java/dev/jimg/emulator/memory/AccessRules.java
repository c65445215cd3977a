package dev.jimg.emulator.memory;

/**
 * Which access sizes a device region accepts and which it implements, as QEMU's
 * {@code MemoryRegionOps.valid} and {@code .impl} (docs/devel/memory.rst, "MMIO Operations").
 *
 * <p>An access outside the <em>valid</em> sizes (or unaligned when that is not allowed) fails, and
 * the CPU turns that into an access fault. An access that is valid but outside the
 * <em>implemented</em> sizes is adapted by the region: narrower accesses are widened to
 * {@code implMin} (aligned down, the other bytes masked off on reads and written as zero), wider
 * ones are split into {@code implMax}-sized pieces combined in the device's byte order. Devices
 * therefore only ever see the sizes they declare.
 *
 * @param validMin       smallest access size the bus accepts, in bytes (1, 2, 4 or 8)
 * @param validMax       largest access size the bus accepts
 * @param validUnaligned whether accesses not aligned to their size are accepted
 * @param implMin        smallest access size the device's ops handle
 * @param implMax        largest access size the device's ops handle
 * @param endianness     byte order of the device registers
 */
public record AccessRules(int validMin, int validMax, boolean validUnaligned, int implMin, int implMax,
        Endianness endianness) {

    /** QEMU's defaults: 1 to 4 byte accesses, aligned, implemented as given, little-endian. */
    public static final AccessRules DEFAULT = new AccessRules(1, 4, false, 1, 4, Endianness.LITTLE);

    public AccessRules {
        checkSize("validMin", validMin);
        checkSize("validMax", validMax);
        checkSize("implMin", implMin);
        checkSize("implMax", implMax);
        if (validMin > validMax || implMin > implMax) {
            throw new IllegalArgumentException("access size range is empty: valid " + validMin + ".." + validMax
                    + ", implemented " + implMin + ".." + implMax);
        }
        if (endianness == null) {
            throw new IllegalArgumentException("endianness must be set");
        }
    }

    /** Accepts and implements exactly the sizes {@code min..max}, aligned, little-endian. */
    public static AccessRules sizes(int min, int max) {
        return new AccessRules(min, max, false, min, max, Endianness.LITTLE);
    }

    /** Accepts {@code validMin..validMax} but implements only {@code implMin..implMax}. */
    public static AccessRules adapted(int validMin, int validMax, int implMin, int implMax) {
        return new AccessRules(validMin, validMax, false, implMin, implMax, Endianness.LITTLE);
    }

    public AccessRules withEndianness(Endianness value) {
        return new AccessRules(validMin, validMax, validUnaligned, implMin, implMax, value);
    }

    public AccessRules withUnaligned(boolean value) {
        return new AccessRules(validMin, validMax, value, implMin, implMax, endianness);
    }

    /** Whether the bus accepts an access of {@code size} bytes at {@code offset}. */
    public boolean accepts(long offset, int size) {
        return size >= validMin && size <= validMax && (validUnaligned || (offset & (size - 1)) == 0);
    }

    private static void checkSize(String what, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException(what + " must be 1, 2, 4 or 8, not " + size);
        }
    }
}
