package dev.jimg.block.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AllocationWindowTest {
    /** [100, 1000): data at [100, 200) and [300, 400), unwritten blocks at [600, 700), holes elsewhere. */
    private final AllocationWindow window = new AllocationWindow(100, 1000, new long[] {100, 300, 600},
            new long[] {200, 400, 700}, new boolean[] {false, false, true});

    @Test
    void dataRunsAreReportedFromTheAskedOffsetToTheirEnd() {
        assertEquals(100, window.runLength(100, 1000));
        assertEquals(50, window.runLength(150, 1000));
        assertEquals(1, window.runLength(399, 1000));
    }

    @Test
    void zeroesAreReportedNegativeUpToTheNextRunOrTheWindowsEnd() {
        assertEquals(-100, window.runLength(200, 1000));
        assertEquals(-10, window.runLength(290, 1000));
        assertEquals(-200, window.runLength(400, 1000));
        assertEquals(-300, window.runLength(700, 1000));
    }

    @Test
    void unwrittenBlocksAreLeftToLseek() {
        assertEquals(0, window.runLength(600, 1000));
        assertEquals(0, window.runLength(699, 1000));
    }

    @Test
    void neverReachesPastTheLimitTheCallerGives() {
        assertEquals(20, window.runLength(100, 120));
        assertEquals(-5, window.runLength(200, 205));
        assertEquals(-100, window.runLength(400, 500));
    }

    @Test
    void coversItsOwnRangeOnly() {
        assertTrue(window.covers(100));
        assertTrue(window.covers(999));
        assertFalse(window.covers(99));
        assertFalse(window.covers(1000));
    }

    @Test
    void anEmptyWindowIsAllZeroes() {
        AllocationWindow holes = new AllocationWindow(0, 4096, new long[0], new long[0], new boolean[0]);
        assertEquals(-4096, holes.runLength(0, 8192));
    }

    @Test
    void refusesRunListsOfDifferentLengths() {
        assertThrows(IllegalArgumentException.class,
                () -> new AllocationWindow(0, 10, new long[1], new long[0], new boolean[1]));
        assertThrows(IllegalArgumentException.class,
                () -> new AllocationWindow(0, 10, new long[1], new long[1], new boolean[0]));
    }
}
