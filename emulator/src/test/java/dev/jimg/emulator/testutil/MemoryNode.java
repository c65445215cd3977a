package dev.jimg.emulator.testutil;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A disk in a byte array that records the requests it gets, for device tests. */
public final class MemoryNode implements BlockNode {
    private final byte[] data;
    private final boolean readOnly;
    /** "read off len", "write off len", "flush", "discard off len", "zeroes off len unmap". */
    public final List<String> log = Collections.synchronizedList(new ArrayList<>());

    public MemoryNode(int size, boolean readOnly) {
        this.data = new byte[size];
        this.readOnly = readOnly;
    }

    public byte[] data() {
        return data;
    }

    @Override
    public String formatName() {
        return "memory";
    }

    @Override
    public String filename() {
        return "memory";
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    private void check(long offset, long length) {
        if (offset < 0 || offset + length > data.length) {
            throw new ImageException("request at " + offset + " length " + length + " beyond the end");
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        check(offset, dst.remaining());
        log.add("read " + offset + " " + dst.remaining());
        dst.put(data, (int) offset, dst.remaining());
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        if (readOnly) {
            throw new ImageException("read-only");
        }
        check(offset, src.remaining());
        log.add("write " + offset + " " + src.remaining());
        src.get(data, (int) offset, src.remaining());
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) {
        check(offset, length);
        log.add("zeroes " + offset + " " + length + " " + mayUnmap);
        java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void discard(long offset, long length) {
        check(offset, length);
        log.add("discard " + offset + " " + length);
    }

    @Override
    public void flush() {
        log.add("flush");
    }

    @Override
    public void resize(long newSize) {
        throw new ImageException("fixed size");
    }

    @Override
    public Extent blockStatus(long offset, long length) {
        return Extent.data(offset, Math.min(length, data.length - offset), offset, "memory");
    }

    @Override
    public void close() {
    }
}
