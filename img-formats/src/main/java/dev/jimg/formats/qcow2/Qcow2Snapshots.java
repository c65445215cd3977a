package dev.jimg.formats.qcow2;

import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.SnapshotInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Internal snapshots — QEMU's {@code qcow2-snapshot.c}. A snapshot is a copy of the active L1
 * table plus one more reference on every L2 table and data cluster it reaches; writes then copy
 * shared clusters before changing them (the COPIED flag tells which are shared).
 *
 * <p>Each operation runs with the image's gate held exclusively and the metadata lock held, and
 * orders its writes so that a crash leaves refcounts too high (leaks), never too low: references
 * are added and flushed before the table that needs them is published, and dropped only after
 * the table that held them is gone from disk.
 */
final class Qcow2Snapshots {
    private final Qcow2State s;
    private final Geometry g;

    Qcow2Snapshots(Qcow2State s) {
        this.s = s;
        this.g = s.geometry();
    }

    List<SnapshotInfo> list() throws IOException {
        List<SnapshotInfo> out = new ArrayList<>();
        for (SnapshotTable.Snapshot sn : SnapshotTable.read(s)) {
            out.add(info(sn));
        }
        return out;
    }

    private static SnapshotInfo info(SnapshotTable.Snapshot sn) {
        return new SnapshotInfo(sn.id(), sn.name(), sn.vmStateSize(), sn.dateSec(), sn.dateNsec(), sn.vmClockNs(),
                sn.icount());
    }

    private SnapshotTable.Snapshot find(List<SnapshotTable.Snapshot> list, String idOrName) {
        for (SnapshotTable.Snapshot sn : list) {
            if (sn.id().equals(idOrName)) {
                return sn;
            }
        }
        for (SnapshotTable.Snapshot sn : list) {
            if (sn.name().equals(idOrName)) {
                return sn;
            }
        }
        throw new ImageException(s.filename(), "Can't find the snapshot '" + idOrName + "'");
    }

    private void refuseWithDataFile(String what) {
        if (s.hasExternalData()) {
            throw new NotSupportedException(s.filename(), "Could not " + what
                    + ": internal snapshots are not supported with an external data file");
        }
    }

    SnapshotInfo create(String name) throws IOException {
        refuseWithDataFile("create snapshot '" + name + "'");
        List<SnapshotTable.Snapshot> list = new ArrayList<>(SnapshotTable.read(s));
        if (list.size() >= Limits.MAX_SNAPSHOTS) {
            throw new ImageException(s.filename(), "Too many snapshots");
        }
        long maxId = 0;
        for (SnapshotTable.Snapshot sn : list) {
            try {
                maxId = Math.max(maxId, Long.parseLong(sn.id()));
            } catch (NumberFormatException e) {
                // ids need not be numeric; QEMU ignores the others when choosing the next one
            }
        }
        s.writeBackMetadata();
        long[] l1 = s.map().l1();
        long l1Copy = 0;
        if (l1.length > 0) {
            l1Copy = s.refcounts().allocate(g.sizeToClusters(l1.length * 8L));
            s.writeBackMetadata();
            s.file().write(l1Copy, encode(l1));
        }
        updateRefcounts(l1, true, 1);
        s.writeBackMetadata();
        Instant now = Instant.now();
        SnapshotTable.Snapshot sn = new SnapshotTable.Snapshot(l1Copy, l1.length, Long.toString(maxId + 1), name,
                now.getEpochSecond(), (now.getNano() / 1000) * 1000, 0, 0, s.header().size(), 0, new byte[0]);
        list.add(sn);
        SnapshotTable.write(s, list);
        return info(sn);
    }

    void apply(String idOrName) throws IOException {
        refuseWithDataFile("apply snapshot '" + idOrName + "'");
        List<SnapshotTable.Snapshot> list = SnapshotTable.read(s);
        SnapshotTable.Snapshot sn = find(list, idOrName);
        if (sn.diskSize() >= 0 && sn.diskSize() != s.header().size()) {
            throw new NotSupportedException(s.filename(), "qcow2: Loading snapshots with different disk size is"
                    + " not supported");
        }
        long[] snapL1 = readSnapshotL1(sn);
        s.writeBackMetadata();
        if (snapL1.length > s.map().l1().length) {
            s.map().growL1(snapL1.length, true);
        }
        // The snapshot's tree gains the active image's reference before anything points to it.
        updateRefcounts(snapL1, false, 1);
        s.writeBackMetadata();
        long[] oldL1 = s.map().l1().clone();
        long[] newL1 = java.util.Arrays.copyOf(snapL1, oldL1.length);
        for (int i = 0; i < newL1.length; i++) {
            newL1[i] &= ~L2Entry.COPIED;
        }
        s.file().write(s.map().l1Offset(), encode(newL1));
        s.file().flush();
        s.l2Cache().dropAll();
        s.map().setL1(newL1, s.map().l1Offset());
        updateRefcounts(oldL1, false, -1);
        updateRefcounts(s.map().l1(), true, 0);
        s.writeBackMetadata();
    }

    void delete(String idOrName) throws IOException {
        List<SnapshotTable.Snapshot> list = new ArrayList<>(SnapshotTable.read(s));
        SnapshotTable.Snapshot sn = find(list, idOrName);
        long[] snapL1 = readSnapshotL1(sn);
        list.remove(sn);
        s.writeBackMetadata();
        SnapshotTable.write(s, list);
        updateRefcounts(snapL1, false, -1);
        if (sn.l1Size() > 0) {
            s.refcounts().free(sn.l1Offset(), sn.l1Size() * 8L, true);
        }
        updateRefcounts(s.map().l1(), true, 0);
        s.writeBackMetadata();
    }

    private long[] readSnapshotL1(SnapshotTable.Snapshot sn) throws IOException {
        if ((sn.l1Offset() & g.clusterMask()) != 0 || sn.l1Size() > Limits.MAX_L1_ENTRIES
                || sn.l1Offset() + sn.l1Size() * 8L > s.file().size()) {
            throw s.corruption("Snapshot " + sn.id() + " L1 table (offset 0x" + Long.toHexString(sn.l1Offset())
                    + ", " + sn.l1Size() + " entries) is invalid");
        }
        return s.map().readL1(sn.l1Offset(), sn.l1Size());
    }

    private static ByteBuffer encode(long[] table) {
        ByteBuffer b = ByteBuffer.allocate(table.length * 8).order(ByteOrder.BIG_ENDIAN);
        b.asLongBuffer().put(table);
        return b;
    }

    /**
     * QEMU's {@code qcow2_update_snapshot_refcount}: adds {@code addend} to every L2 table and data
     * cluster {@code l1} reaches and recomputes the COPIED flags on the way. {@code active} says
     * {@code l1} is the active table, whose entries are then updated in memory and on disk.
     */
    private void updateRefcounts(long[] l1, boolean active, int addend) throws IOException {
        Refcounts rc = s.refcounts();
        boolean punch = addend < 0;
        for (int i = 0; i < l1.length; i++) {
            long l2Offset = L2Entry.offset(l1[i]);
            if (l2Offset == 0) {
                continue;
            }
            if ((l2Offset & g.clusterMask()) != 0) {
                throw s.corruption("L2 table offset 0x" + Long.toHexString(l2Offset) + " unaligned (L1 index: 0x"
                        + Integer.toHexString(i) + ")");
            }
            byte[] table = s.l2Cache().get(l2Offset);
            ByteBuffer b = ByteBuffer.wrap(table);
            boolean changed = false;
            for (int j = 0; j < g.l2Entries(); j++) {
                long entry = b.getLong(j * g.l2EntryBytes());
                L2Entry.Type t = L2Entry.type(entry, g);
                if (t == L2Entry.Type.COMPRESSED) {
                    if (addend != 0) {
                        long first = L2Entry.compressedFirstCluster(entry, g);
                        long last = L2Entry.compressedLastCluster(entry, g);
                        rc.update(first, last - first + 1, addend, punch);
                    }
                    continue;
                }
                long off = L2Entry.offset(entry);
                if (off == 0 || (t != L2Entry.Type.NORMAL && t != L2Entry.Type.ZERO_ALLOC)) {
                    continue;
                }
                long cluster = off >>> g.clusterBits();
                if (addend != 0) {
                    rc.update(cluster, 1, addend, punch);
                }
                long refcount = rc.get(cluster);
                long updated = refcount == 1 ? entry | L2Entry.COPIED : entry & ~L2Entry.COPIED;
                if (updated != entry) {
                    b.putLong(j * g.l2EntryBytes(), updated);
                    changed = true;
                }
            }
            if (changed) {
                s.l2Cache().markDirty(l2Offset);
            }
            long l2Cluster = l2Offset >>> g.clusterBits();
            if (addend != 0) {
                s.l2Cache().writeBack();
                rc.update(l2Cluster, 1, addend, punch);
                if (addend < 0 && rc.get(l2Cluster) == 0) {
                    s.l2Cache().drop(l2Offset);
                }
            }
            if (active) {
                long refcount = rc.get(l2Cluster);
                long updated = refcount == 1 ? l1[i] | L2Entry.COPIED : l1[i] & ~L2Entry.COPIED;
                if (updated != l1[i]) {
                    s.map().setL1Entry(i, updated);
                }
            }
        }
    }
}
