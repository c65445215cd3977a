package dev.jimg.block.testing;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A protocol node in memory, with a host file's semantics: reads past the end return zeroes,
 * writes past the end grow it. Thread-safe (every call is synchronised). For tests.
 */
public final class MemoryFileNode implements BlockNode {
    private final String name;
    private byte[] data;
    private int length;

    public MemoryFileNode(String name, byte[] initial) {
        this.name = name;
        this.data = initial.clone();
        this.length = initial.length;
    }

    public MemoryFileNode(String name) {
        this(name, new byte[0]);
    }

    /** A copy of the current contents. */
    public synchronized byte[] contents() {
        return Arrays.copyOf(data, length);
    }

    @Override
    public String formatName() {
        return "file";
    }

    @Override
    public String filename() {
        return name;
    }

    @Override
    public synchronized long size() {
        return length;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) {
        int n = dst.remaining();
        int inFile = (int) Math.max(0, Math.min(n, length - offset));
        if (inFile > 0) {
            dst.put(data, (int) offset, inFile);
        }
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) {
        int n = src.remaining();
        ensure(offset + n);
        src.get(data, (int) offset, n);
    }

    @Override
    public synchronized void writeZeroes(long offset, long len, boolean mayUnmap) {
        ensure(offset + len);
        Arrays.fill(data, (int) offset, (int) (offset + len), (byte) 0);
    }

    @Override
    public synchronized void discard(long offset, long len) {
        long end = Math.min(offset + len, length);
        if (offset < end) {
            Arrays.fill(data, (int) offset, (int) end, (byte) 0);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public synchronized void resize(long newSize) {
        ensure(newSize);
        if (newSize < length) {
            Arrays.fill(data, (int) newSize, length, (byte) 0);
        }
        length = (int) newSize;
    }

    private void ensure(long end) {
        if (end > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("memory node limited to 2 GiB, asked for " + end);
        }
        if (end > data.length) {
            data = Arrays.copyOf(data, (int) Math.max(end, Math.min(Integer.MAX_VALUE - 8, data.length * 2L)));
        }
        length = (int) Math.max(length, end);
    }

    @Override
    public synchronized Extent blockStatus(long offset, long len) {
        return Extent.data(offset, len, offset, name);
    }

    @Override
    public boolean hasZeroInit() {
        return true;
    }

    @Override
    public void close() {
    }
}
