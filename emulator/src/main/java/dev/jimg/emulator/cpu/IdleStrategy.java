package dev.jimg.emulator.cpu;

/**
 * What a hart in WFI does about time. The CPU asks first whether virtual time may jump to the
 * next timer deadline (so that guest timer waits cost no wall time); if not, it sleeps on the host
 * until the deadline or until a device wakes it.
 */
@FunctionalInterface
public interface IdleStrategy {

    /** Sleep on the host for as long as the guest waits: virtual time is host time. */
    IdleStrategy SLEEP = deadline -> false;

    /**
     * Advances virtual time to {@code deadline} (timer ticks) if allowed now, and says whether it
     * did. Implementations refuse while devices have work in flight whose completion the guest is
     * waiting for, lest the guest time it out.
     */
    boolean skipTo(long deadline);
}
