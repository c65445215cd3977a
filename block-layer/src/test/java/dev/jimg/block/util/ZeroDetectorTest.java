package dev.jimg.block.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ZeroDetectorTest {
    @Test
    void findsASingleNonZeroByteAnywhereInALargeBuffer() {
        int size = 3 * 65536 + 123;
        for (int at : new int[] {0, 7, 65535, 65536, size - 1}) {
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            assertTrue(ZeroDetector.isZero(b));
            b.put(at, (byte) 1);
            assertFalse(ZeroDetector.isZero(b), "byte at " + at);
            assertTrue(at == 0 || ZeroDetector.isZero(b, 0, at), "prefix before " + at);
        }
    }

    @Test
    void looksOnlyAtTheRangeAskedAboutWhateverItsAlignment() {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        b.put(13, (byte) 1);
        assertTrue(ZeroDetector.isZero(b, 5, 8), "byte 13 is just past 5+8");
        assertFalse(ZeroDetector.isZero(b, 5, 9));
        assertFalse(ZeroDetector.isZero(b, 6, 8), "within the first eight bytes");
        assertTrue(ZeroDetector.isZero(b, 14, 50));
        assertTrue(ZeroDetector.isZero(b, 10, 3), "shorter than eight bytes");
        assertFalse(ZeroDetector.isZero(b, 10, 4));
    }

    @Test
    void countsTheZeroBytesBeforeTheFirstDataByte() {
        int size = 3 * 65536 + 123;
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        assertEquals(size, ZeroDetector.zeroPrefix(b, 0, size));
        assertEquals(size - 100, ZeroDetector.zeroPrefix(b, 100, size - 100));
        for (int at : new int[] {0, 7, 65535, 65536, 131079, size - 1}) {
            b.put(at, (byte) 1);
            assertEquals(at, ZeroDetector.zeroPrefix(b, 0, size), "byte at " + at);
            assertEquals(at - Math.min(at, 5), ZeroDetector.zeroPrefix(b, Math.min(at, 5), size - Math.min(at, 5)));
            assertEquals(Math.min(at, 40), ZeroDetector.zeroPrefix(b, 0, 40), "only the range asked about");
            b.put(at, (byte) 0);
        }
    }
}
