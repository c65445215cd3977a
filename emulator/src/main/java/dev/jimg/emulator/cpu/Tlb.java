package dev.jimg.emulator.cpu;

import java.util.Arrays;

/**
 * A direct-mapped software TLB for one translation context (M, S, S with SUM, U). Read and write
 * entries map a virtual page straight into main RAM: to the RAM chunk array {@code host} at index
 * {@code va + addend}. Fetch entries map a virtual page to its {@link CodePage}.
 *
 * <p>An entry exists only when the whole page is main RAM, PMP allows the access for the whole
 * page, and (for writes) the page holds no decoded code; everything else takes the slow path on
 * every access. Tags are virtual page numbers; {@link #INVALID} never matches.
 */
final class Tlb {
    static final int BITS = 8;
    static final int SIZE = 1 << BITS;
    static final int MASK = SIZE - 1;
    static final long INVALID = -1;

    final long[] readTag = new long[SIZE];
    final long[] readAddend = new long[SIZE];
    final byte[][] readHost = new byte[SIZE][];
    final long[] writeTag = new long[SIZE];
    final long[] writeAddend = new long[SIZE];
    final byte[][] writeHost = new byte[SIZE][];
    final long[] fetchTag = new long[SIZE];
    final CodePage[] fetchPage = new CodePage[SIZE];

    Tlb() {
        flush();
    }

    void flush() {
        Arrays.fill(readTag, INVALID);
        Arrays.fill(writeTag, INVALID);
        Arrays.fill(fetchTag, INVALID);
        Arrays.fill(fetchPage, null);
    }

    void flushWrites() {
        Arrays.fill(writeTag, INVALID);
    }

    /** Drops whatever maps virtual page {@code vpn}. */
    void flushPage(long vpn) {
        int i = (int) vpn & MASK;
        if (readTag[i] == vpn) {
            readTag[i] = INVALID;
        }
        if (writeTag[i] == vpn) {
            writeTag[i] = INVALID;
        }
        if (fetchTag[i] == vpn) {
            fetchTag[i] = INVALID;
            fetchPage[i] = null;
        }
    }
}
