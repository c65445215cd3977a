package dev.jimg.formats.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;

/**
 * A GUID as VHDX stores it: Microsoft's layout, whose first three fields are little-endian
 * (so "2DC27766-F623-4200-…" is stored 66 77 C2 2D 23 F6 00 42 …). Kept as the 16 stored bytes,
 * which is all comparisons need.
 */
final class Guid {
    static final int SIZE = 16;
    static final Guid ZERO = new Guid(new byte[SIZE]);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;

    private Guid(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The stored form of a GUID written the usual way ("2DC27766-F623-4200-9D64-115E9BFD4A08"). */
    static Guid of(String text) {
        UUID u = UUID.fromString(text);
        ByteBuffer big = ByteBuffer.allocate(SIZE).putLong(u.getMostSignificantBits())
                .putLong(u.getLeastSignificantBits());
        byte[] b = big.array();
        ByteBuffer out = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer in = ByteBuffer.wrap(b);
        out.putInt(in.getInt()).putShort(in.getShort()).putShort(in.getShort());
        out.put(b, 8, 8);
        return new Guid(out.array());
    }

    static Guid read(ByteBuffer buf, int offset) {
        byte[] b = new byte[SIZE];
        buf.get(offset, b);
        return new Guid(b);
    }

    /** A new random GUID (version 4, as the specification's writers generate them). */
    static Guid random() {
        byte[] b = new byte[SIZE];
        RANDOM.nextBytes(b);
        b[7] = (byte) ((b[7] & 0x0F) | 0x40);
        b[8] = (byte) ((b[8] & 0x3F) | 0x80);
        return new Guid(b);
    }

    void write(ByteBuffer buf, int offset) {
        buf.put(offset, bytes);
    }

    boolean isZero() {
        return equals(ZERO);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Guid g && Arrays.equals(bytes, g.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The usual textual form. */
    @Override
    public String toString() {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        HexFormat hex = HexFormat.of().withUpperCase();
        return String.format("%08X-%04X-%04X-%s-%s", in.getInt(0), in.getShort(4) & 0xFFFF, in.getShort(6) & 0xFFFF,
                hex.formatHex(bytes, 8, 10), hex.formatHex(bytes, 10, 16));
    }
}
