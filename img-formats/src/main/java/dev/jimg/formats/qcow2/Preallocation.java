package dev.jimg.formats.qcow2;

import java.io.IOException;

/**
 * {@code preallocation=metadata|falloc|full}: every guest cluster gets an L2 entry pointing to a
 * host cluster of its own, allocated L2 table by L2 table (QEMU's {@code preallocate_co}); falloc
 * reserves the host space, full writes zeroes into it. With an external data file the clusters
 * map to the same offsets in it.
 */
final class Preallocation {
    private final Qcow2State s;

    Preallocation(Qcow2State s) {
        this.s = s;
    }

    void run(long size, String mode) throws IOException {
        Geometry g = s.geometry();
        long clusters = g.sizeToClusters(size);
        long end = 0;
        s.lock.lock();
        try {
            for (long c = 0; c < clusters; ) {
                long guest = c << g.clusterBits();
                long l2 = s.map().writableL2Table(g.l1Index(guest));
                int idx = g.l2Index(guest);
                int n = (int) Math.min(clusters - c, g.l2Entries() - idx);
                long host = s.hasExternalData() ? guest : s.refcounts().allocate(n);
                for (int i = 0; i < n; i++) {
                    long bitmap = g.extendedL2() ? L2Entry.ALL_ALLOCATED : 0;
                    s.map().setSlot(l2, idx + i, (host + ((long) i << g.clusterBits())) | L2Entry.COPIED, bitmap, true);
                }
                long bytes = (long) n << g.clusterBits();
                if (mode.equals("falloc") || mode.equals("full")) {
                    s.dataFile().writeZeroes(host, bytes, false);
                }
                end = Math.max(end, host + bytes);
                c += n;
            }
            s.writeBackMetadata();
        } finally {
            s.lock.unlock();
        }
        if (!s.hasExternalData() && s.file().size() < end) {
            s.file().resize(end);
        }
        s.file().flush();
    }
}
