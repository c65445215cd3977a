package dev.jimg.emulator.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClintTest {
    private final AtomicLong host = new AtomicLong();
    private final AtomicBoolean msip = new AtomicBoolean();
    private final AtomicBoolean mtip = new AtomicBoolean();

    @Test
    void mtimeCountsAtTenMegahertz() {
        Clint clint = new Clint(new VirtualClock(false, host::get), msip::set, mtip::set);
        host.set(1_000_000);
        assertEquals(10_000, clint.read(0xbff8, 8));
        assertEquals(10_000, clint.read(0xbff8, 4));
        assertEquals(0, clint.read(0xbffc, 4));
    }

    @Test
    void timerInterruptFollowsMtimecmp() {
        Clint clint = new Clint(new VirtualClock(false, host::get), msip::set, mtip::set);
        clint.write(0x4000, 100, 8);
        assertFalse(mtip.get());
        host.set(100 * 100);
        clint.write(0x4000, 100, 4);
        assertTrue(mtip.get());
        clint.write(0x4004, 1, 4);
        assertFalse(mtip.get());
        assertEquals(0x1_0000_0064L, clint.mtimecmp());
    }

    @Test
    void softwareInterruptFollowsMsip() {
        Clint clint = new Clint(new VirtualClock(false, host::get), msip::set, mtip::set);
        clint.write(0, 1, 4);
        assertTrue(msip.get());
        assertEquals(1, clint.read(0, 4));
        clint.write(0, 2, 4);
        assertFalse(msip.get());
    }

    @Test
    void writingMtimeMovesTheHartsClock() {
        Clint clint = new Clint(new VirtualClock(false, host::get), msip::set, mtip::set);
        clint.write(0xbff8, 5000, 8);
        host.set(1000);
        assertEquals(5010, clint.mtime());
    }

    @Test
    void skippingClockJumpsToTheDeadlineOnlyWithoutWorkInFlight() {
        VirtualClock clock = new VirtualClock(true, host::get);
        clock.beginWork();
        assertFalse(clock.skipTo(1000));
        assertEquals(0, clock.ticks());
        clock.endWork();
        assertTrue(clock.skipTo(1000));
        assertEquals(1000, clock.ticks());
        assertFalse(new VirtualClock(false, host::get).skipTo(1000));
    }
}
