package dev.jimg.block;

/**
 * One internal snapshot, with the fields qemu-img prints.
 *
 * @param id          the snapshot id ({@code "1"}, {@code "2"}, …)
 * @param name        its name (the tag)
 * @param vmStateSize bytes of saved VM state, 0 for disk-only snapshots
 * @param dateSeconds creation time, seconds since the epoch
 * @param dateNanos   the nanoseconds part of the creation time
 * @param vmClockNanos the guest clock at the snapshot, in nanoseconds
 * @param icount      the instruction counter, or -1 when not recorded
 */
public record SnapshotInfo(String id, String name, long vmStateSize, long dateSeconds, int dateNanos,
        long vmClockNanos, long icount) {
}
