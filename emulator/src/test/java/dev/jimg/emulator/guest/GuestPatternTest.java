package dev.jimg.emulator.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GuestPatternTest {

    @Test
    void firstWordIsSplitMix64sFirstOutputForTheSeed() {
        // The reference generator's first output from state 0.
        assertEquals(0xe220a8397b1dcdafL, GuestPattern.word(0, 0));
    }

    @Test
    void bytesAreTheWordsInLittleEndianOrder() {
        ByteBuffer words = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 3; i++) {
            words.putLong(GuestPattern.word(5, i));
        }
        assertArrayEquals(words.array(), GuestPattern.bytes(5, 0, 24));
    }

    @Test
    void anyRangeMatchesTheSameBytesTakenFromOffsetZero() {
        byte[] whole = GuestPattern.bytes(9, 0, 64);
        assertArrayEquals(Arrays.copyOfRange(whole, 13, 50), GuestPattern.bytes(9, 13, 37));
    }

    @Test
    void crcIsEightLowercaseHexDigits() {
        assertEquals("cbf43926", GuestPattern.crc32("123456789".getBytes()));
        assertEquals("00000000", GuestPattern.crc32(new byte[0]));
    }
}
