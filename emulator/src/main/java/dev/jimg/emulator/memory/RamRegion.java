package dev.jimg.emulator.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Guest RAM or ROM held in Java byte arrays, so that the CPU can reach it without dispatch (its
 * software TLB caches, per page, the array and an offset into it).
 *
 * <p><b>Chunks.</b> The memory is split into {@value #CHUNK_SIZE}-byte arrays allocated on first
 * use, as QEMU maps guest RAM without touching it: a guest that never uses most of its RAM costs
 * no host memory for it, and start-up does not zero the whole size (which took over a second for
 * 256 MiB on a host with slow page faults). Reading memory that was never allocated gives zeroes
 * without allocating; pages never straddle chunks.
 *
 * <p><b>Decoded-code slots.</b> The CPU keeps pre-decoded instructions per 4 KiB page of the region
 * ({@link #decodedPage}): one opaque {@code long} per 2-byte instruction parcel. Every write to a
 * page holding decoded code clears that page's slots <em>in place</em> (a CPU running on the page
 * keeps its array and simply re-decodes), and {@link #isCode} turns false until the CPU decodes
 * there again. Writes from device threads race with decoding on the CPU thread; the guest must
 * execute {@code fence.i} before running code a device wrote, and {@link #revalidateCode()} (called
 * by {@code fence.i}) clears such pages again to close the race.
 *
 * <p>ROM ({@code readOnly}) ignores bus writes, as QEMU's ROM regions do; {@link #load} fills it.
 */
public final class RamRegion extends MemoryRegion {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Decoded-code slots per page: one per 2-byte parcel, the RISC-V instruction alignment with C. */
    public static final int SLOTS_PER_PAGE = PAGE_SIZE / 2;
    public static final int CHUNK_SHIFT = 18;
    /** 256 KiB: small enough that touching one byte costs little, large enough to keep DMA zero-copy. */
    public static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;
    /**
     * The largest region: 64 GiB, where the per-page bookkeeping (decoded-code slot references and
     * flags) reaches about 200 MiB of host memory.
     */
    public static final long MAX_SIZE = 64L << 30;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final AtomicReferenceArray<byte[]> chunks;
    private final boolean readOnly;
    private final long[][] decoded;
    private final boolean[] code;
    private final boolean[] stale;
    private volatile boolean anyStale;

    public RamRegion(String name, long size, boolean readOnly) {
        super(name, checkSize(name, size));
        this.chunks = new AtomicReferenceArray<>((int) ((size + CHUNK_SIZE - 1) >>> CHUNK_SHIFT));
        this.readOnly = readOnly;
        int pages = (int) ((size + PAGE_SIZE - 1) >>> PAGE_SHIFT);
        this.decoded = new long[pages][];
        this.code = new boolean[pages];
        this.stale = new boolean[pages];
    }

    /** RAM: readable and writable by the guest. */
    public static RamRegion ram(String name, long size) {
        return new RamRegion(name, size, false);
    }

    /** ROM: the guest's writes are ignored. */
    public static RamRegion rom(String name, long size) {
        return new RamRegion(name, size, true);
    }

    private static long checkSize(String name, long size) {
        if (size > MAX_SIZE) {
            throw new IllegalArgumentException("memory region " + name + " of " + (size >> 20)
                    + " MiB is larger than the supported " + (MAX_SIZE >> 20) + " MiB");
        }
        return size;
    }

    /**
     * The array holding {@code offset}, allocated now if it was not yet; the byte itself is at
     * {@link #inChunk inChunk(offset)}.
     */
    public byte[] chunk(long offset) {
        int index = (int) (offset >>> CHUNK_SHIFT);
        byte[] c = chunks.get(index);
        if (c == null) {
            long bytes = Math.min(CHUNK_SIZE, size() - ((long) index << CHUNK_SHIFT));
            chunks.compareAndSet(index, null, new byte[(int) bytes]);
            c = chunks.get(index);
        }
        return c;
    }

    /** Where {@code offset} lies in its chunk. */
    public static int inChunk(long offset) {
        return (int) (offset & CHUNK_MASK);
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    public long read(long offset, int size) {
        if (inChunk(offset) + size > CHUNK_SIZE) {
            long v = 0;
            for (int k = 0; k < size; k++) {
                v |= read(offset + k, 1) << (8 * k);
            }
            return v;
        }
        byte[] c = chunks.get((int) (offset >>> CHUNK_SHIFT));
        if (c == null) {
            return 0;
        }
        int i = inChunk(offset);
        return switch (size) {
            case 1 -> c[i] & 0xffL;
            case 2 -> (short) I16.get(c, i) & 0xffffL;
            case 4 -> (int) I32.get(c, i) & 0xffff_ffffL;
            case 8 -> (long) I64.get(c, i);
            default -> throw new IllegalArgumentException("access size " + size);
        };
    }

    public void write(long offset, int size, long value) {
        if (readOnly) {
            return;
        }
        if (inChunk(offset) + size > CHUNK_SIZE) {
            for (int k = 0; k < size; k++) {
                write(offset + k, 1, value >>> (8 * k));
            }
            return;
        }
        byte[] c = chunk(offset);
        int i = inChunk(offset);
        switch (size) {
            case 1 -> c[i] = (byte) value;
            case 2 -> I16.set(c, i, (short) value);
            case 4 -> I32.set(c, i, (int) value);
            case 8 -> I64.set(c, i, value);
            default -> throw new IllegalArgumentException("access size " + size);
        }
        noteWrite(offset, size);
    }

    /** Copies guest bytes out (device DMA). */
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        while (length > 0) {
            int n = Math.min(length, CHUNK_SIZE - inChunk(offset));
            byte[] c = chunks.get((int) (offset >>> CHUNK_SHIFT));
            if (c == null) {
                Arrays.fill(dst, dstOffset, dstOffset + n, (byte) 0);
            } else {
                System.arraycopy(c, inChunk(offset), dst, dstOffset, n);
            }
            offset += n;
            dstOffset += n;
            length -= n;
        }
    }

    /** Copies bytes into the guest (device DMA); ROM ignores it as it ignores any bus write. */
    public void write(long offset, byte[] src, int srcOffset, int length) {
        if (!readOnly) {
            copyIn(offset, src, srcOffset, length);
        }
    }

    private void copyIn(long offset, byte[] src, int srcOffset, int length) {
        long start = offset;
        int total = length;
        while (length > 0) {
            int n = Math.min(length, CHUNK_SIZE - inChunk(offset));
            System.arraycopy(src, srcOffset, chunk(offset), inChunk(offset), n);
            offset += n;
            srcOffset += n;
            length -= n;
        }
        noteWrite(start, total);
    }

    /** Fills the region at {@code offset} (firmware and kernel loading), ROM included. */
    public void load(long offset, byte[] bytes) {
        if (offset < 0 || offset + bytes.length > size()) {
            throw new IllegalArgumentException(bytes.length + " bytes do not fit at 0x" + Long.toHexString(offset)
                    + " in " + name() + " (size 0x" + Long.toHexString(size()) + ")");
        }
        if (bytes.length > 0) {
            copyIn(offset, bytes, 0, bytes.length);
        }
    }

    /**
     * A buffer straight over guest memory for zero-copy DMA, or {@code null} when the range spans
     * two chunks (the caller then copies). Whoever writes through it calls {@link #noteWrite}.
     */
    public ByteBuffer buffer(long offset, int length) {
        if (inChunk(offset) + length > CHUNK_SIZE) {
            return null;
        }
        return ByteBuffer.wrap(chunk(offset), inChunk(offset), length).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Records that {@code length} bytes at {@code offset} changed. */
    public void noteWrite(long offset, long length) {
        int first = (int) (offset >>> PAGE_SHIFT);
        int last = (int) ((offset + length - 1) >>> PAGE_SHIFT);
        for (int page = first; page <= last; page++) {
            if (code[page]) {
                code[page] = false;
                long[] slots = decoded[page];
                if (slots != null) {
                    Arrays.fill(slots, 0L);
                }
            }
            if (decoded[page] != null) {
                stale[page] = true;
                anyStale = true;
            }
        }
    }

    /** The decoded-code slots of {@code page}, created empty on first use. CPU thread only. */
    public long[] decodedPage(int page) {
        long[] slots = decoded[page];
        if (slots == null) {
            slots = new long[SLOTS_PER_PAGE];
            decoded[page] = slots;
        }
        return slots;
    }

    /** Whether decoded code may exist on {@code page}, so that writes must take the slow path. */
    public boolean isCode(int page) {
        return code[page];
    }

    /**
     * Marks {@code page} as holding decoded code; returns whether it was not marked before, in which
     * case the CPU must drop fast write mappings of the page.
     */
    public boolean markCode(int page) {
        if (code[page]) {
            return false;
        }
        code[page] = true;
        return true;
    }

    /** {@code fence.i}: clears again every page written since the last call (see class comment). */
    public void revalidateCode() {
        if (!anyStale) {
            return;
        }
        anyStale = false;
        for (int page = 0; page < stale.length; page++) {
            if (stale[page]) {
                stale[page] = false;
                long[] slots = decoded[page];
                if (slots != null) {
                    Arrays.fill(slots, 0L);
                }
            }
        }
    }
}
