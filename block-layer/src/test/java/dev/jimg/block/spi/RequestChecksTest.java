package dev.jimg.block.spi;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jimg.block.ImageException;
import org.junit.jupiter.api.Test;

class RequestChecksTest {

    @Test
    void refusesRequestsPastTheEndWithoutOverflowing() {
        assertDoesNotThrow(() -> RequestChecks.checkRange("a.img", 0, 1024, 1024));
        ImageException e = assertThrows(ImageException.class,
                () -> RequestChecks.checkRange("a.img", 1000, 25, 1024));
        assertEquals("a.img", e.file());
        assertThrows(ImageException.class, () -> RequestChecks.checkRange("a.img", 1, Long.MAX_VALUE, 1024));
        assertThrows(ImageException.class, () -> RequestChecks.checkRange("a.img", -1, 1, 1024));
    }

    @Test
    void refusesWritesToAReadOnlyNode() {
        assertDoesNotThrow(() -> RequestChecks.checkWritable("a.img", false));
        assertThrows(ImageException.class, () -> RequestChecks.checkWritable("a.img", true));
    }

    @Test
    void cutsAStatusQueryAtTheEndOfTheImage() {
        assertEquals(24, RequestChecks.statusLength("a.img", 1000, 4096, 1024));
        assertThrows(IllegalArgumentException.class, () -> RequestChecks.statusLength("a.img", 1024, 1, 1024));
        assertThrows(IllegalArgumentException.class, () -> RequestChecks.statusLength("a.img", 0, 0, 1024));
    }
}
