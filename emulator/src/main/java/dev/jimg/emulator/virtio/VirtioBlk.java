package dev.jimg.emulator.virtio;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.BusErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A virtio block device (virtio 1.1, section 5.2) over a {@link BlockNode}.
 *
 * <p>Requests are taken off the queue on the thread that delivers the driver's notification and
 * each runs on a virtual thread of its own against the node, so the CPU never waits for the disk
 * and independent requests overlap. A request (section 5.2.6) is a read-only header
 * {@code le32 type, le32 reserved, le64 sector}, data buffers, and a one-byte writable status.
 *
 * <p>Configuration space (section 5.2.4), as far as the offered features use it:
 * <pre>
 *   0  le64 capacity (512-byte sectors)      12 le32 seg_max       20 le32 blk_size
 *   36 le32 max_discard_sectors              40 le32 max_discard_seg
 *   44 le32 discard_sector_alignment         48 le32 max_write_zeroes_sectors
 *   52 le32 max_write_zeroes_seg             56 u8 write_zeroes_may_unmap
 * </pre>
 */
public final class VirtioBlk implements VirtioDevice {
    public static final int DEVICE_ID = 2;
    static final int SECTOR = 512;
    /** Queue entries, as QEMU's default queue-size. */
    static final int QUEUE_SIZE = 256;
    /** Data segments per request: the queue size minus header and status, as QEMU. */
    static final int SEG_MAX = QUEUE_SIZE - 2;
    /** Largest discard or write-zeroes request in sectors (QEMU's BDRV_REQUEST_MAX_SECTORS, 1 GiB - 512). */
    static final int MAX_ZERO_SECTORS = (1 << 21) - 1;
    /** GET_ID returns at most this many bytes (VIRTIO_BLK_ID_BYTES). */
    static final int ID_BYTES = 20;
    static final int CONFIG_SIZE = 60;

    static final long F_SEG_MAX = 1L << 2;
    static final long F_RO = 1L << 5;
    static final long F_BLK_SIZE = 1L << 6;
    static final long F_FLUSH = 1L << 9;
    static final long F_DISCARD = 1L << 13;
    static final long F_WRITE_ZEROES = 1L << 14;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;
    static final int S_OK = 0;
    static final int S_IOERR = 1;
    static final int S_UNSUPP = 2;
    private static final int HEADER = 16;
    private static final int SEGMENT = 16;
    private static final int WRITE_ZEROES_UNMAP = 1;

    private final BlockNode node;
    private final String serial;
    private final boolean readOnly;
    private final boolean mayUnmap;
    private final WorkTracker work;
    private final Consumer<String> warnings;
    private final long capacitySectors;
    private final AtomicInteger generation = new AtomicInteger();
    private volatile List<Virtqueue> queues = List.of();
    private volatile VirtioTransport transport;

    /**
     * @param mayUnmap whether write-zeroes requests with the unmap flag may free storage
     *                 ({@code discard=unmap})
     */
    public VirtioBlk(BlockNode node, String serial, boolean readOnly, boolean mayUnmap, WorkTracker work,
            Consumer<String> warnings) throws IOException {
        this.node = node;
        this.serial = serial;
        this.readOnly = readOnly || node.isReadOnly();
        this.mayUnmap = mayUnmap;
        this.work = work;
        this.warnings = warnings;
        this.capacitySectors = node.size() / SECTOR;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        return F_VERSION_1 | F_INDIRECT_DESC | F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_DISCARD | F_WRITE_ZEROES
                | (readOnly ? F_RO : 0);
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        ByteBuffer c = ByteBuffer.allocate(CONFIG_SIZE + 8).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(0, capacitySectors);
        c.putInt(12, SEG_MAX);
        c.putInt(20, SECTOR);
        c.putInt(36, MAX_ZERO_SECTORS);
        c.putInt(40, 1);
        c.putInt(44, 1);
        c.putInt(48, MAX_ZERO_SECTORS);
        c.putInt(52, 1);
        c.put(56, (byte) 1);
        long v = c.getLong(offset);
        return size == 8 ? v : v & ((1L << (8 * size)) - 1);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // Nothing in the configuration space is writable without VIRTIO_BLK_F_CONFIG_WCE.
    }

    @Override
    public void start(long negotiatedFeatures, List<Virtqueue> started, VirtioTransport owner) {
        this.transport = owner;
        this.queues = started;
    }

    @Override
    public void reset() {
        generation.incrementAndGet();
        queues = List.of();
    }

    @Override
    public void queueNotified(int index) {
        Virtqueue q = queues.get(index);
        if (q == null) {
            return;
        }
        int gen = generation.get();
        try {
            DescriptorChain chain;
            while ((chain = q.pop()) != null) {
                DescriptorChain request = chain;
                work.begin();
                Thread.ofVirtual().name("virtio-blk").start(() -> {
                    try {
                        complete(q, index, gen, request, execute(request));
                    } finally {
                        work.end();
                    }
                });
            }
        } catch (VirtioException e) {
            transport.needsReset(e.getMessage());
        }
    }

    private void complete(Virtqueue q, int index, int gen, DescriptorChain chain, int written) {
        if (gen != generation.get()) {
            return;
        }
        try {
            q.push(chain, written);
            if (!q.interruptSuppressed()) {
                transport.usedBuffers(index);
            }
        } catch (VirtioException e) {
            transport.needsReset(e.getMessage());
        }
    }

    /** Runs one request; returns the bytes written into device-writable buffers. */
    private int execute(DescriptorChain chain) {
        AddressSpace memory = transport.memory();
        List<DescriptorChain.Buffer> buffers = chain.buffers();
        DescriptorChain.Buffer last = buffers.isEmpty() ? null : buffers.get(buffers.size() - 1);
        if (buffers.size() < 2 || buffers.get(0).deviceWritable() || buffers.get(0).length() < HEADER
                || !last.deviceWritable() || last.length() < 1) {
            transport.needsReset("malformed virtio-blk request in chain " + chain.head());
            return 0;
        }
        byte[] header = new byte[HEADER];
        int status;
        int written = 1;
        try {
            memory.read(buffers.get(0).address(), header, 0, HEADER);
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            int type = h.getInt(0);
            long sector = h.getLong(8);
            List<DescriptorChain.Buffer> data = buffers.subList(1, buffers.size() - 1);
            status = switch (type) {
                case T_IN -> transfer(memory, data, sector, false);
                case T_OUT -> readOnly ? S_IOERR : transfer(memory, data, sector, true);
                case T_FLUSH -> flush();
                case T_GET_ID -> getId(memory, data);
                case T_DISCARD, T_WRITE_ZEROES -> readOnly ? S_IOERR : zeroOrDiscard(memory, data, type);
                default -> S_UNSUPP;
            };
            if (type == T_IN || type == T_GET_ID) {
                written += chain.writableBytes() - 1;
            }
        } catch (BusErrorException e) {
            warnings.accept("virtio-blk: request buffer not in guest memory: " + e.getMessage());
            status = S_IOERR;
        } catch (RuntimeException e) {
            // A defect here must not leave the guest waiting forever for its request.
            warnings.accept("virtio-blk: request failed unexpectedly: " + e);
            status = S_IOERR;
        }
        memory.write(last.address() + last.length() - 1, 1, status);
        return written;
    }

    private int transfer(AddressSpace memory, List<DescriptorChain.Buffer> data, long sector, boolean write) {
        long offset = sector * SECTOR;
        long total = 0;
        for (DescriptorChain.Buffer b : data) {
            if (b.deviceWritable() == write) {
                return S_IOERR;
            }
            total += b.length();
        }
        if (sector < 0 || sector > capacitySectors || total > (capacitySectors - sector) * SECTOR) {
            return S_IOERR;
        }
        try {
            for (DescriptorChain.Buffer b : data) {
                ByteBuffer direct = memory.ramBuffer(b.address(), b.length());
                if (write) {
                    if (direct == null) {
                        byte[] bounce = new byte[b.length()];
                        memory.read(b.address(), bounce, 0, bounce.length);
                        direct = ByteBuffer.wrap(bounce);
                    }
                    node.write(offset, direct);
                } else if (direct != null) {
                    node.read(offset, direct);
                    memory.noteWritten(b.address(), b.length());
                } else {
                    ByteBuffer bounce = ByteBuffer.allocate(b.length());
                    node.read(offset, bounce);
                    memory.write(b.address(), bounce.array(), 0, b.length());
                }
                offset += b.length();
            }
            return S_OK;
        } catch (IOException | ImageException e) {
            warnings.accept("virtio-blk: " + (write ? "write" : "read") + " at byte " + offset + " of "
                    + node.filename() + " failed: " + e.getMessage());
            return S_IOERR;
        }
    }

    private int flush() {
        try {
            node.flush();
            return S_OK;
        } catch (IOException | ImageException e) {
            warnings.accept("virtio-blk: flush of " + node.filename() + " failed: " + e.getMessage());
            return S_IOERR;
        }
    }

    private int getId(AddressSpace memory, List<DescriptorChain.Buffer> data) {
        if (data.isEmpty() || !data.get(0).deviceWritable()) {
            return S_IOERR;
        }
        byte[] id = new byte[Math.min(ID_BYTES, data.get(0).length())];
        byte[] s = serial.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, id, 0, Math.min(s.length, id.length));
        memory.write(data.get(0).address(), id, 0, id.length);
        return S_OK;
    }

    /** DISCARD and WRITE_ZEROES carry segments {@code le64 sector, le32 num_sectors, le32 flags}. */
    private int zeroOrDiscard(AddressSpace memory, List<DescriptorChain.Buffer> data, int type) {
        if (data.size() != 1 || data.get(0).deviceWritable() || data.get(0).length() != SEGMENT) {
            return S_UNSUPP;
        }
        byte[] segment = new byte[SEGMENT];
        memory.read(data.get(0).address(), segment, 0, SEGMENT);
        ByteBuffer s = ByteBuffer.wrap(segment).order(ByteOrder.LITTLE_ENDIAN);
        long sector = s.getLong(0);
        long count = s.getInt(8) & 0xffff_ffffL;
        int flags = s.getInt(12);
        boolean unmap = (flags & WRITE_ZEROES_UNMAP) != 0;
        if ((flags & ~WRITE_ZEROES_UNMAP) != 0 || (type == T_DISCARD && unmap)) {
            return S_UNSUPP;
        }
        if (count > MAX_ZERO_SECTORS || sector < 0 || sector > capacitySectors || count > capacitySectors - sector) {
            return S_IOERR;
        }
        try {
            if (type == T_DISCARD) {
                node.discard(sector * SECTOR, count * SECTOR);
            } else {
                node.writeZeroes(sector * SECTOR, count * SECTOR, unmap && mayUnmap);
            }
            return S_OK;
        } catch (IOException | ImageException e) {
            warnings.accept("virtio-blk: " + (type == T_DISCARD ? "discard" : "write zeroes") + " on "
                    + node.filename() + " failed: " + e.getMessage());
            return S_IOERR;
        }
    }
}
