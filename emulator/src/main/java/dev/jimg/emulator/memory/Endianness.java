package dev.jimg.emulator.memory;

/**
 * The byte order a device's registers use. The guest (RISC-V) is little-endian, so values cross the
 * bus in little-endian order and a {@link #BIG} device sees them byte-swapped per access.
 */
public enum Endianness {
    LITTLE,
    BIG
}
