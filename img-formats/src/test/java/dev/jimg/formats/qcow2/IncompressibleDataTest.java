package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class IncompressibleDataTest {
    private static final int CLUSTER = 65536;

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** What deflate makes of a cluster with QEMU's 4 KiB reach, by the codec the driver uses. */
    private static byte[] deflateWithoutProbe(byte[] cluster) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        byte[] out = new byte[cluster.length * 2];
        int produced = 0;
        for (int p = 0; p < cluster.length; p += 4096) {
            d.setInput(cluster, p, 4096);
            boolean last = p + 4096 >= cluster.length;
            if (last) {
                d.finish();
            }
            produced += d.deflate(out, produced, out.length - produced, last ? Deflater.NO_FLUSH : Deflater.FULL_FLUSH);
        }
        d.end();
        return java.util.Arrays.copyOf(out, produced);
    }

    @Test
    void randomClustersAreRecognisedAndDeflateIndeedCannotShrinkThem() {
        for (long seed = 0; seed < 20; seed++) {
            byte[] cluster = random(seed, CLUSTER);
            assertTrue(IncompressibleData.check(ByteBuffer.wrap(cluster)), "seed " + seed);
            assertTrue(deflateWithoutProbe(cluster).length >= CLUSTER, "seed " + seed);
        }
    }

    @Test
    void zlibCodecStoresRandomClustersUncompressed() {
        assertNull(new Compression.Zlib().compress(ByteBuffer.wrap(random(7, CLUSTER)), CLUSTER - 1));
    }

    @Test
    void textIsTried() {
        byte[] text = "the guest wrote a refcount block and a snapshot table\n".repeat(2000)
                .substring(0, CLUSTER).getBytes(StandardCharsets.US_ASCII);
        assertFalse(IncompressibleData.check(ByteBuffer.wrap(text)));
    }

    @Test
    void byteRampHasPerfectEntropyButRepeatsWithinReachSoIsTried() {
        byte[] ramp = new byte[CLUSTER];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (byte) i;
        }
        assertTrue(IncompressibleData.entropyBitsPerByte(ramp) > 7.999);
        assertFalse(IncompressibleData.check(ByteBuffer.wrap(ramp)));
    }

    @Test
    void shortRandomBlockRepeatedWithinReachIsTried() {
        byte[] block = random(3, 3000);
        byte[] cluster = new byte[CLUSTER];
        for (int i = 0; i < cluster.length; i++) {
            cluster[i] = block[i % block.length];
        }
        assertFalse(IncompressibleData.check(ByteBuffer.wrap(cluster)));
        assertTrue(deflateWithoutProbe(cluster).length < CLUSTER * 9 / 10, "deflate does shrink it");
    }

    @Test
    void randomDataWithSkewedBytesIsTried() {
        byte[] cluster = random(5, CLUSTER);
        for (int i = 0; i < cluster.length; i += 3) {
            cluster[i] = 0;
        }
        assertFalse(IncompressibleData.check(ByteBuffer.wrap(cluster)));
        assertTrue(deflateWithoutProbe(cluster).length < CLUSTER);
    }

    @Test
    void smallClustersAreAlwaysTried() {
        assertFalse(IncompressibleData.check(ByteBuffer.wrap(random(1, 4096))));
    }

    @Test
    void probeReadsTheRemainingBytesOnly() {
        byte[] zerosThenRandom = new byte[2 * CLUSTER];
        System.arraycopy(random(9, CLUSTER), 0, zerosThenRandom, CLUSTER, CLUSTER);
        ByteBuffer buffer = ByteBuffer.wrap(zerosThenRandom);
        assertFalse(IncompressibleData.check(buffer.slice(0, CLUSTER)));
        assertTrue(IncompressibleData.check(buffer.position(CLUSTER)));
        assertTrue(buffer.position() == CLUSTER, "the probe leaves the buffer's position alone");
    }
}
