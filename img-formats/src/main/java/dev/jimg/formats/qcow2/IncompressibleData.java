package dev.jimg.formats.qcow2;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Recognises a cluster that deflate cannot shrink, in a few percent of the time deflate would take
 * to find out. Disk images hold much data that is already compressed or encrypted (packages,
 * media, swap of encrypted volumes); QEMU deflates each such cluster, gets more bytes back than it
 * gave and stores it uncompressed. Skipping the attempt halves {@code convert -c} time on such
 * data and stores the same clusters uncompressed as QEMU does.
 *
 * <p>Deflate saves bytes in two ways, and the test rules out both:
 * <ul>
 * <li><b>Huffman coding</b> cannot go below the order-0 entropy of the byte histogram; a cluster
 *     whose entropy is at least {@link #MIN_BITS_PER_BYTE} leaves it under 0.2% to gain, less than
 *     the block headers it costs.
 * <li><b>Back-references</b> reach at most 4096 − 262 bytes in QEMU's 4 KiB window. The probe
 *     looks up every 4-byte sequence in a table of where it last occurred; a cluster in which at
 *     most {@link #MAX_MATCH_PERMILLE}‰ of positions repeat a recent sequence gives deflate nothing
 *     to refer to. A byte ramp (0, 1, …, 255, 0, 1, …) has perfect entropy but repeats every 256
 *     bytes: the probe keeps it compressible.
 * </ul>
 * Clusters smaller than 16 KiB are always tried: too few bytes to measure entropy that precisely.
 */
final class IncompressibleData {
    static final double MIN_BITS_PER_BYTE = 7.99;
    static final int MAX_MATCH_PERMILLE = 2;
    private static final int MIN_SIZE = 16 * 1024;
    /** Farthest back-reference of zlib with a 4 KiB window (window minus MIN_LOOKAHEAD). */
    private static final int MAX_DISTANCE = 4096 - 262;
    private static final int HASH_BITS = 12;
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private IncompressibleData() {
    }

    /** Whether deflate with QEMU's window cannot shrink {@code unit} (its remaining bytes). */
    static boolean check(ByteBuffer unit) {
        int n = unit.remaining();
        if (n < MIN_SIZE) {
            return false;
        }
        byte[] bytes = new byte[n];
        unit.get(unit.position(), bytes);
        return entropyBitsPerByte(bytes) >= MIN_BITS_PER_BYTE
                && repeatPermille(bytes) <= MAX_MATCH_PERMILLE;
    }

    /** Order-0 entropy of the byte histogram, in bits per byte (0 to 8). */
    static double entropyBitsPerByte(byte[] bytes) {
        // Four tables break the store-to-load dependency when neighbouring bytes are equal.
        int[] h0 = new int[256];
        int[] h1 = new int[256];
        int[] h2 = new int[256];
        int[] h3 = new int[256];
        int i = 0;
        for (; i + 3 < bytes.length; i += 4) {
            h0[bytes[i] & 0xff]++;
            h1[bytes[i + 1] & 0xff]++;
            h2[bytes[i + 2] & 0xff]++;
            h3[bytes[i + 3] & 0xff]++;
        }
        for (; i < bytes.length; i++) {
            h0[bytes[i] & 0xff]++;
        }
        double n = bytes.length;
        double sum = 0;
        for (int b = 0; b < 256; b++) {
            int c = h0[b] + h1[b] + h2[b] + h3[b];
            if (c > 0) {
                sum += c * Math.log(c);
            }
        }
        return (Math.log(n) - sum / n) / Math.log(2);
    }

    /** Per mille of positions whose 4 bytes occurred within deflate's reach before them. */
    static int repeatPermille(byte[] bytes) {
        int[] last = new int[1 << HASH_BITS];
        java.util.Arrays.fill(last, -MAX_DISTANCE - 1);
        int repeats = 0;
        int end = bytes.length - 3;
        for (int i = 0; i < end; i++) {
            int word = (int) INT.get(bytes, i);
            int slot = (word * 0x9E3779B1) >>> (32 - HASH_BITS);
            int previous = last[slot];
            if (i - previous <= MAX_DISTANCE && (int) INT.get(bytes, previous) == word) {
                repeats++;
            }
            last[slot] = i;
        }
        return (int) (repeats * 1000L / Math.max(1, end));
    }
}
