package dev.jimg.block.util;

import dev.jimg.block.CorruptImageException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads fields of an on-disk structure from untrusted bytes. Every range check names the
 * structure, the field, its offset, what was expected and what was found, so that a damaged image
 * produces a message a user can report ("qcow2 header field l1_size at offset 36: expected at
 * most 33554432, got 4294967295").
 */
public final class FieldReader {
    private final String structure;
    private final ByteBuffer buf;

    /**
     * @param structure what is being read, as messages should name it ("qcow2 header")
     * @param bytes     the raw structure
     * @param order     its byte order
     */
    public FieldReader(String structure, byte[] bytes, ByteOrder order) {
        this.structure = structure;
        this.buf = ByteBuffer.wrap(bytes).order(order);
    }

    public FieldReader(String structure, ByteBuffer bytes) {
        this.structure = structure;
        this.buf = bytes.duplicate().order(bytes.order());
    }

    public int length() {
        return buf.limit();
    }

    public int u8(String field, int offset) {
        need(field, offset, 1);
        return buf.get(offset) & 0xFF;
    }

    public int u16(String field, int offset) {
        need(field, offset, 2);
        return buf.getShort(offset) & 0xFFFF;
    }

    public long u32(String field, int offset) {
        need(field, offset, 4);
        return buf.getInt(offset) & 0xFFFFFFFFL;
    }

    /** A 64-bit field read as a signed long; values with the top bit set are negative. */
    public long u64(String field, int offset) {
        need(field, offset, 8);
        return buf.getLong(offset);
    }

    /** A 64-bit field that must lie in {@code [min, max]}. */
    public long u64InRange(String field, int offset, long min, long max) {
        return check(field, offset, u64(field, offset), min, max);
    }

    public long u32InRange(String field, int offset, long min, long max) {
        return check(field, offset, u32(field, offset), min, max);
    }

    public int u16InRange(String field, int offset, int min, int max) {
        return (int) check(field, offset, u16(field, offset), min, max);
    }

    public byte[] bytes(String field, int offset, int length) {
        need(field, offset, length);
        byte[] out = new byte[length];
        buf.get(offset, out);
        return out;
    }

    /** Fails with a message naming the field unless {@code value} lies in {@code [min, max]}. */
    public long check(String field, int offset, long value, long min, long max) {
        if (value < min || value > max) {
            String expected = min == max ? Long.toString(min)
                    : value < min ? "at least " + Long.toUnsignedString(min) : "at most " + Long.toUnsignedString(max);
            throw corrupt(field, offset, "expected " + expected + ", got " + Long.toUnsignedString(value));
        }
        return value;
    }

    /** A corruption error about {@code field}. */
    public CorruptImageException corrupt(String field, int offset, String problem) {
        return new CorruptImageException(structure + " field " + field + " at offset " + offset + ": " + problem);
    }

    private void need(String field, int offset, int size) {
        if (offset < 0 || offset + size > buf.limit()) {
            throw new CorruptImageException(structure + " is truncated: field " + field + " at offset " + offset
                    + " needs " + size + " bytes, structure has " + buf.limit());
        }
    }
}
