package dev.jimg.emulator.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuestReportTest {

    @Test
    void collectsValuesAndTheFinalStatus() {
        GuestReport report = GuestReport.parse("""
                [    0.000000] Linux version 6.1.0
                JIMG-BOOT: uptime_us=312345 test=readwrite
                JIMG-RESULT: device_wait_ms=4
                JIMG-RESULT: read.path=/hello.txt read.length=20 read.crc32=0a1b2c3d
                JIMG-RESULT: OK
                """);

        assertTrue(report.booted());
        assertEquals(312345, report.uptimeMicros());
        assertTrue(report.ok());
        assertEquals("0a1b2c3d", report.value("read.crc32"));
        assertEquals(20, report.longValue("read.length"));
        assertEquals("readwrite", report.value("test"));
    }

    @Test
    void findsLinesBehindAKernelMessageOnTheSameLine() {
        GuestReport report = GuestReport.parse("[    1.5] sd 0:0:0:0: [sda] AttachedJIMG-RESULT: FAIL mount /dev/sda errno=22\n");

        assertFalse(report.ok());
        assertEquals(Optional.of("FAIL mount /dev/sda errno=22"), report.status());
    }

    @Test
    void aGuestThatNeverFinishedHasNoStatus() {
        GuestReport report = GuestReport.parse("OpenSBI v1.1\n[    0.0] Kernel panic - not syncing\n");

        assertFalse(report.booted());
        assertEquals(Optional.empty(), report.status());
        assertThrows(AssertionError.class, () -> report.value("read.crc32"));
    }
}
