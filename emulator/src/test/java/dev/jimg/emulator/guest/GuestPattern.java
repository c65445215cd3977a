package dev.jimg.emulator.guest;

import java.util.zip.CRC32;

/**
 * The data the guest's init writes, regenerated on the host to check it.
 *
 * <p>The pattern is a pure function of a seed and the byte offset: the little-endian 64-bit word
 * at offset {@code 8*i} is output number {@code i+1} of a SplitMix64 generator started at the
 * seed (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", OOPSLA 2014). A file
 * written with {@code jimg.seed=s} holds the pattern from offset 0; the raw-device tests write
 * the pattern of the device offset.
 */
public final class GuestPattern {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private GuestPattern() {}

    /** The pattern's 64-bit word number {@code index}. */
    public static long word(long seed, long index) {
        long z = seed + (index + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The pattern bytes at {@code [offset, offset + length)}. */
    public static byte[] bytes(long seed, long offset, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            long position = offset + i;
            out[i] = (byte) (word(seed, position >>> 3) >>> (8 * (position & 7)));
        }
        return out;
    }

    /** CRC-32 (IEEE 802.3) as init prints it: eight lowercase hex digits. */
    public static String crc32(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return "%08x".formatted(crc.getValue());
    }
}
