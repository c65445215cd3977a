package dev.jimg.formats.qcow2;

import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Exclusive locks on runs of guest clusters, held by requests that may change how those clusters
 * are mapped (writes, write-zeroes, discards). It plays the part of QEMU's in-flight allocation
 * tracking ({@code s->cluster_allocs}): two writers to the same unallocated cluster are
 * serialised, so the second sees the first's allocation instead of allocating again, while
 * writers to other clusters proceed in parallel.
 */
final class GuestRangeLocks {
    private final List<long[]> held = new ArrayList<>();

    /** Blocks until clusters {@code [first, last]} are free, then holds them. */
    synchronized void lock(long first, long last) throws InterruptedIOException {
        while (overlaps(first, last)) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for an overlapping request");
            }
        }
        held.add(new long[] {first, last});
    }

    synchronized void unlock(long first, long last) {
        for (int i = 0; i < held.size(); i++) {
            long[] r = held.get(i);
            if (r[0] == first && r[1] == last) {
                held.remove(i);
                notifyAll();
                return;
            }
        }
        throw new IllegalStateException("guest clusters " + first + ".." + last + " were not locked");
    }

    private boolean overlaps(long first, long last) {
        for (long[] r : held) {
            if (r[0] <= last && first <= r[1]) {
                return true;
            }
        }
        return false;
    }
}
