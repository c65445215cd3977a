package dev.jimg.emulator.testutil;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A disk in a byte array that records the requests it gets, for device tests. {@link #hold()}
 * makes requests wait until {@link #release()}, so a test can act while commands are outstanding.
 */
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

    private volatile CountDownLatch gate;

    /** From now on, requests wait (after being logged) until {@link #release()}. */
    public void hold() {
        gate = new CountDownLatch(1);
    }

    /** Lets held and later requests through. */
    public void release() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    private void passGate() {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ImageException("interrupted while the request was held");
            }
        }
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
        passGate();
        dst.put(data, (int) offset, dst.remaining());
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        if (readOnly) {
            throw new ImageException("read-only");
        }
        check(offset, src.remaining());
        log.add("write " + offset + " " + src.remaining());
        passGate();
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
        passGate();
    }

    @Override
    public void flush() {
        log.add("flush");
        passGate();
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
        release();
    }
}
