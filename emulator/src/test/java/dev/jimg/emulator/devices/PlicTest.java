package dev.jimg.emulator.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.emulator.memory.IrqLine;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PlicTest {
    private final AtomicBoolean machine = new AtomicBoolean();
    private final AtomicBoolean supervisor = new AtomicBoolean();
    private final Plic plic = new Plic(machine::set, supervisor::set);

    private static final long ENABLE_S = 0x2080;
    private static final long THRESHOLD_S = 0x201000;
    private static final long CLAIM_S = 0x201004;

    @Test
    void raisedSourceIsPendingClaimedAndCompleted() {
        IrqLine uart = plic.source(10);
        plic.write(4 * 10, 1, 4);
        plic.write(ENABLE_S, 1 << 10, 4);
        uart.raise();
        assertTrue(supervisor.get());
        assertFalse(machine.get());
        assertEquals(1 << 10, plic.read(0x1000, 4));
        assertEquals(10, plic.read(CLAIM_S, 4));
        assertFalse(supervisor.get());
        assertEquals(0, plic.read(CLAIM_S, 4));
        uart.lower();
        plic.write(CLAIM_S, 10, 4);
        assertFalse(supervisor.get());
    }

    @Test
    void levelStillHighAtCompletionPendsAgain() {
        IrqLine disk = plic.source(1);
        plic.write(4, 3, 4);
        plic.write(ENABLE_S, 1 << 1, 4);
        disk.raise();
        assertEquals(1, plic.read(CLAIM_S, 4));
        plic.write(CLAIM_S, 1, 4);
        assertTrue(supervisor.get());
        assertEquals(1, plic.read(CLAIM_S, 4));
    }

    @Test
    void thresholdAndPriorityDecideWhatIsDelivered() {
        plic.write(4 * 5, 2, 4);
        plic.write(4 * 6, 5, 4);
        plic.write(ENABLE_S, (1 << 5) | (1 << 6), 4);
        plic.write(THRESHOLD_S, 4, 4);
        plic.source(5).raise();
        assertFalse(supervisor.get());
        plic.source(6).raise();
        assertTrue(supervisor.get());
        assertEquals(6, plic.read(CLAIM_S, 4));
        assertFalse(supervisor.get());
        plic.write(THRESHOLD_S, 0, 4);
        assertTrue(supervisor.get());
        assertEquals(5, plic.read(CLAIM_S, 4));
    }

    @Test
    void disabledOrZeroPrioritySourcesNeverInterrupt() {
        plic.source(7).raise();
        assertFalse(supervisor.get());
        plic.write(ENABLE_S, 1 << 7, 4);
        assertFalse(supervisor.get());
        plic.write(4 * 7, 1, 4);
        assertTrue(supervisor.get());
    }

    @Test
    void sourceZeroDoesNotExist() {
        plic.write(ENABLE_S, -1, 4);
        assertEquals(0xfffffffeL, plic.read(ENABLE_S, 4));
    }
}
