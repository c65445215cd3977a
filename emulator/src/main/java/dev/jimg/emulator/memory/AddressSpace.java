package dev.jimg.emulator.memory;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What one bus master sees: a root container rendered into a {@link FlatView}. The CPU uses it
 * for everything its TLB does not map straight to RAM; devices use it for DMA.
 *
 * <p>Layout changes (a region added, moved, enabled) publish a new view atomically and then call
 * the {@linkplain #addLayoutListener listeners}, so that a CPU can drop cached translations into
 * what moved. Reads and writes may come from any thread.
 */
public final class AddressSpace {
    private final String name;
    private final ContainerRegion root;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile FlatView view;

    public AddressSpace(String name, ContainerRegion root) {
        this.name = Objects.requireNonNull(name, "name");
        this.root = Objects.requireNonNull(root, "root");
        this.view = FlatView.render(root);
        root.addSpace(this);
    }

    public String name() {
        return name;
    }

    public ContainerRegion root() {
        return root;
    }

    public FlatView view() {
        return view;
    }

    /** Runs {@code listener} after every layout change. */
    public void addLayoutListener(Runnable listener) {
        listeners.add(listener);
    }

    void rebuild() {
        synchronized (this) {
            view = FlatView.render(root);
        }
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    /** The range holding {@code address}, or {@code null}. */
    public FlatRange find(long address) {
        return view.find(address);
    }

    /**
     * Whether every byte of {@code [address, address + length)} is mapped, so that a device's DMA
     * over it cannot fault midway (a device checks before it starts moving data).
     */
    public boolean mapped(long address, long length) {
        long end = address + length;
        for (long at = address; at < end; ) {
            FlatRange r = view.find(at);
            if (r == null) {
                return false;
            }
            at = r.end();
        }
        return true;
    }

    /**
     * Reads a naturally sized value (1, 2, 4 or 8 bytes), little-endian, zero-extended.
     *
     * @throws BusErrorException if nothing accepts the access
     */
    public long read(long address, int size) {
        FlatRange r = view.find(address);
        if (r == null || address + size > r.end()) {
            return readAcross(address, size, r);
        }
        long offset = r.offsetOf(address);
        return switch (r.leaf()) {
            case RamRegion ram -> ram.read(offset, size);
            case MmioRegion mmio -> {
                if (!mmio.accepts(offset, size)) {
                    throw refused(address, size, mmio);
                }
                yield mmio.read(offset, size);
            }
            default -> throw new IllegalStateException("flat view holds a non-leaf region " + r.leaf());
        };
    }

    /** Writes the low {@code size} bytes of {@code value}, little-endian. */
    public void write(long address, int size, long value) {
        FlatRange r = view.find(address);
        if (r == null || address + size > r.end()) {
            writeAcross(address, size, value, r);
            return;
        }
        long offset = r.offsetOf(address);
        switch (r.leaf()) {
            case RamRegion ram -> ram.write(offset, size, value);
            case MmioRegion mmio -> {
                if (!mmio.accepts(offset, size)) {
                    throw refused(address, size, mmio);
                }
                mmio.write(offset, size, value);
            }
            default -> throw new IllegalStateException("flat view holds a non-leaf region " + r.leaf());
        }
    }

    /** An access that straddles two ranges is done a byte at a time, as two devices would see it. */
    private long readAcross(long address, int size, FlatRange first) {
        if (first == null) {
            throw unmapped(address);
        }
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= read(address + i, 1) << (8 * i);
        }
        return value;
    }

    private void writeAcross(long address, int size, long value, FlatRange first) {
        if (first == null) {
            throw unmapped(address);
        }
        for (int i = 0; i < size; i++) {
            write(address + i, 1, value >>> (8 * i));
        }
    }

    /** DMA read of {@code length} bytes into {@code dst}; device registers are read a byte at a time. */
    public void read(long address, byte[] dst, int offset, int length) {
        while (length > 0) {
            FlatRange r = view.find(address);
            if (r == null) {
                throw unmapped(address);
            }
            int chunk = (int) Math.min(length, r.end() - address);
            if (r.leaf() instanceof RamRegion ram) {
                ram.read(r.offsetOf(address), dst, offset, chunk);
            } else {
                for (int i = 0; i < chunk; i++) {
                    dst[offset + i] = (byte) read(address + i, 1);
                }
            }
            address += chunk;
            offset += chunk;
            length -= chunk;
        }
    }

    /** DMA write of {@code length} bytes from {@code src}. */
    public void write(long address, byte[] src, int offset, int length) {
        while (length > 0) {
            FlatRange r = view.find(address);
            if (r == null) {
                throw unmapped(address);
            }
            int chunk = (int) Math.min(length, r.end() - address);
            if (r.leaf() instanceof RamRegion ram) {
                ram.write(r.offsetOf(address), src, offset, chunk);
            } else {
                for (int i = 0; i < chunk; i++) {
                    write(address + i, 1, src[offset + i]);
                }
            }
            address += chunk;
            offset += chunk;
            length -= chunk;
        }
    }

    /**
     * A buffer straight over guest RAM for {@code length} bytes at {@code address}, or {@code null}
     * if the range is not one piece of writable RAM or spans two of its chunks (the caller then
     * bounces through a copy).
     * After writing into it, call {@link #noteWritten}.
     */
    public ByteBuffer ramBuffer(long address, int length) {
        FlatRange r = view.find(address);
        if (r == null || address + length > r.end() || !(r.leaf() instanceof RamRegion ram) || ram.isReadOnly()) {
            return null;
        }
        return ram.buffer(r.offsetOf(address), length);
    }

    /** Tells RAM under {@code [address, address + length)} that a device wrote it directly. */
    public void noteWritten(long address, int length) {
        FlatRange r = view.find(address);
        if (r != null && r.leaf() instanceof RamRegion ram) {
            ram.noteWrite(r.offsetOf(address), Math.min(length, r.end() - address));
        }
    }

    private BusErrorException unmapped(long address) {
        return new BusErrorException(address, "nothing is mapped at 0x" + Long.toHexString(address) + " in " + name);
    }

    private static BusErrorException refused(long address, int size, MmioRegion mmio) {
        return new BusErrorException(address, mmio.name() + " does not accept a " + size + "-byte access at 0x"
                + Long.toHexString(address));
    }
}
