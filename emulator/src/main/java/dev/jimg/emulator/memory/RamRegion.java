package dev.jimg.emulator.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Guest RAM or ROM held in a Java byte array, so that the CPU can reach it without dispatch
 * (its software TLB caches an offset into {@link #data()}).
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
    /**
     * The largest region: a Java array is indexed by int, so one byte array holds at most just under
     * 2 GiB; the limit is kept a whole number of MiB.
     */
    public static final long MAX_SIZE = 2047L << 20;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] data;
    private final boolean readOnly;
    private final long[][] decoded;
    private final boolean[] code;
    private final boolean[] stale;
    private volatile boolean anyStale;

    public RamRegion(String name, long size, boolean readOnly) {
        super(name, checkSize(name, size));
        this.data = new byte[(int) size];
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

    /** The backing bytes, little-endian as the guest sees them. */
    public byte[] data() {
        return data;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    public long read(long offset, int size) {
        int i = (int) offset;
        return switch (size) {
            case 1 -> data[i] & 0xffL;
            case 2 -> (short) I16.get(data, i) & 0xffffL;
            case 4 -> (int) I32.get(data, i) & 0xffff_ffffL;
            case 8 -> (long) I64.get(data, i);
            default -> throw new IllegalArgumentException("access size " + size);
        };
    }

    public void write(long offset, int size, long value) {
        if (readOnly) {
            return;
        }
        int i = (int) offset;
        switch (size) {
            case 1 -> data[i] = (byte) value;
            case 2 -> I16.set(data, i, (short) value);
            case 4 -> I32.set(data, i, (int) value);
            case 8 -> I64.set(data, i, value);
            default -> throw new IllegalArgumentException("access size " + size);
        }
        noteWrite(offset, size);
    }

    /** Copies guest bytes out (device DMA). */
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        System.arraycopy(data, (int) offset, dst, dstOffset, length);
    }

    /** Copies bytes into the guest (device DMA); ROM ignores it as it ignores any bus write. */
    public void write(long offset, byte[] src, int srcOffset, int length) {
        if (readOnly) {
            return;
        }
        System.arraycopy(src, srcOffset, data, (int) offset, length);
        noteWrite(offset, length);
    }

    /** Fills the region at {@code offset} (firmware and kernel loading), ROM included. */
    public void load(long offset, byte[] bytes) {
        if (offset < 0 || offset + bytes.length > size()) {
            throw new IllegalArgumentException(bytes.length + " bytes do not fit at 0x" + Long.toHexString(offset)
                    + " in " + name() + " (size 0x" + Long.toHexString(size()) + ")");
        }
        System.arraycopy(bytes, 0, data, (int) offset, bytes.length);
        noteWrite(offset, bytes.length);
    }

    /**
     * A buffer over guest memory for zero-copy DMA. Whoever writes through it calls
     * {@link #noteWrite} afterwards so that decoded code stays coherent.
     */
    public ByteBuffer buffer(long offset, int length) {
        return ByteBuffer.wrap(data, (int) offset, length).slice().order(ByteOrder.LITTLE_ENDIAN);
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
