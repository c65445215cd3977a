package dev.jimg.emulator.devices;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MmioOps;
import java.util.function.LongSupplier;

/**
 * Android's Goldfish real-time clock (AOSP "goldfish virtual platform" documentation, RTC
 * section), 32-bit registers:
 * <pre>
 *   0x00 TIME_LOW   nanoseconds since the epoch, low half; reading it latches TIME_HIGH
 *   0x04 TIME_HIGH
 *   0x08 ALARM_LOW  writing it arms the alarm at ALARM_HIGH:ALARM_LOW
 *   0x0c ALARM_HIGH
 *   0x10 IRQ_ENABLED
 *   0x14 CLEAR_ALARM
 *   0x18 ALARM_STATUS
 *   0x1c CLEAR_INTERRUPT
 * </pre>
 * Setting the time (writing TIME_LOW/HIGH) shifts the guest's clock. An armed alarm fires when
 * {@link #poll()} (called between CPU slices) finds it due.
 */
public final class GoldfishRtc implements MmioOps {
    public static final long SIZE = 0x1000;

    private final LongSupplier epochNanos;
    private final IrqLine irq;
    private long offset;
    private long latchedHigh;
    private long alarmHigh;
    private long alarm;
    private boolean alarmArmed;
    private boolean irqEnabled;
    private boolean interrupt;

    /** @param epochNanos the host's idea of now, nanoseconds since 1970 (virtual-time adjusted) */
    public GoldfishRtc(LongSupplier epochNanos, IrqLine irq) {
        this.epochNanos = epochNanos;
        this.irq = irq;
    }

    @Override
    public AccessRules rules() {
        return AccessRules.sizes(4, 4);
    }

    private long now() {
        return epochNanos.getAsLong() + offset;
    }

    @Override
    public synchronized long read(long reg, int size) {
        return switch ((int) reg) {
            case 0x00 -> {
                long t = now();
                latchedHigh = t >>> 32;
                yield t & 0xffff_ffffL;
            }
            case 0x04 -> latchedHigh;
            case 0x08 -> alarm & 0xffff_ffffL;
            case 0x0c -> alarm >>> 32;
            case 0x10 -> irqEnabled ? 1 : 0;
            case 0x18 -> alarmArmed ? 1 : 0;
            default -> 0;
        };
    }

    @Override
    public synchronized void write(long reg, long value, int size) {
        long v = value & 0xffff_ffffL;
        switch ((int) reg) {
            case 0x00 -> offset += ((now() & ~0xffff_ffffL) | v) - now();
            case 0x04 -> offset += ((v << 32) | (now() & 0xffff_ffffL)) - now();
            case 0x08 -> {
                alarm = (alarmHigh << 32) | v;
                alarmArmed = true;
            }
            case 0x0c -> alarmHigh = v;
            case 0x10 -> irqEnabled = (v & 1) != 0;
            case 0x14 -> alarmArmed = false;
            case 0x1c -> interrupt = false;
            default -> {
                // Read-only registers.
            }
        }
        poll();
    }

    /** Fires a due alarm. */
    public synchronized void poll() {
        if (alarmArmed && now() >= alarm) {
            alarmArmed = false;
            interrupt = true;
        }
        irq.set(interrupt && irqEnabled);
    }
}
