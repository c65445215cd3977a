package dev.jimg.emulator.testutil;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A disk in a byte array for device tests, which records the requests it gets (so a test can see
 * a flush or a discard reach the block layer) and can hold requests back until released (so a test
 * can act while commands are outstanding).
 */
public final class MemoryDisk implements BlockNode {
    private final byte[] data;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private volatile CountDownLatch gate;

    public MemoryDisk(int size) {
        this.data = new byte[size];
    }

    /** The disk's bytes, shared: tests fill and inspect them directly. */
    public byte[] data() {
        return data;
    }

    /** What the disk was asked, in order: {@code read@offset+length}, {@code write@…}, {@code flush}, … */
    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** From now on, requests wait until {@link #release()}. */
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

    private void passGate() throws IOException {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while held", e);
            }
        }
    }

    private void check(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new ImageException("memory disk", "request at " + offset + " length " + length
                    + " is beyond the end of the disk");
        }
    }

    @Override
    public String formatName() {
        return "raw";
    }

    @Override
    public String filename() {
        return "memory disk";
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        check(offset, n);
        log.add("read@" + offset + "+" + n);
        passGate();
        synchronized (data) {
            dst.put(data, (int) offset, n);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int n = src.remaining();
        check(offset, n);
        log.add("write@" + offset + "+" + n);
        passGate();
        synchronized (data) {
            src.get(data, (int) offset, n);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        check(offset, length);
        log.add("zero@" + offset + "+" + length);
        passGate();
        synchronized (data) {
            java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        check(offset, length);
        log.add("discard@" + offset + "+" + length);
        passGate();
    }

    @Override
    public void flush() throws IOException {
        log.add("flush");
        passGate();
    }

    @Override
    public void resize(long newSize) {
        throw new UnsupportedOperationException("memory disks keep their size");
    }

    @Override
    public Extent blockStatus(long offset, long length) {
        return Extent.data(offset, Math.min(length, data.length - offset), offset, null);
    }

    @Override
    public void close() {
        release();
    }
}
