package dev.jimg.formats.qcow2;

import dev.jimg.block.CorruptImageException;
import dev.jimg.block.util.FieldReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The internal snapshot table (qcow2.txt, "Snapshots"): one variable-length entry per snapshot,
 * each padded to 8 bytes:
 * <pre>
 *  0 l1_table_offset u64    8 l1_size u32          12 id_str_size u16   14 name_size u16
 * 16 date_sec u32          20 date_nsec u32        24 vm_clock_nsec u64
 * 32 vm_state_size u32     36 extra_data_size u32  40 extra data, id string, name string
 * extra data: 0 vm_state_size_large u64, 8 disk_size u64, 16 icount u64 (each if present)
 * </pre>
 */
final class SnapshotTable {
    /** What QEMU writes as extra data: vm_state_size_large, disk_size, icount. */
    static final int EXTRA_DATA_SIZE = 24;
    private static final int FIXED = 40;

    /**
     * One snapshot.
     *
     * @param diskSize    guest size when taken, or -1 when not recorded (old images)
     * @param icount      instruction count, or -1 when not recorded
     * @param extraTail   extra data bytes beyond the known 24, kept as they are
     */
    record Snapshot(long l1Offset, int l1Size, String id, String name, long dateSec, int dateNsec, long vmClockNs,
            long vmStateSize, long diskSize, long icount, byte[] extraTail) {
    }

    private SnapshotTable() {
    }

    /** The table as read: its entries and its size on disk. */
    record Table(List<Snapshot> snapshots, long bytes) {
    }

    /** Reads and validates the table the header names. */
    static List<Snapshot> read(Qcow2State s) throws IOException {
        return readTable(s).snapshots();
    }

    static Table readTable(Qcow2State s) throws IOException {
        Qcow2Header h = s.header();
        int n = h.nbSnapshots();
        List<Snapshot> list = new ArrayList<>(Math.min(n, 1024));
        if (n == 0) {
            return new Table(list, 0);
        }
        long fileSize = s.file().size();
        long offset = h.snapshotsOffset();
        long pos = offset;
        for (int i = 0; i < n; i++) {
            if (pos - offset + FIXED > Limits.MAX_SNAPSHOTS_BYTES) {
                throw new CorruptImageException("qcow2 snapshot table exceeds " + Limits.MAX_SNAPSHOTS_BYTES
                        + " bytes (header field snapshots_offset/nb_snapshots)");
            }
            if (pos + FIXED > fileSize) {
                throw new CorruptImageException("qcow2 snapshot table entry " + i + " at offset " + pos
                        + " lies past the end of the file (" + fileSize + " bytes)");
            }
            byte[] fixed = readBytes(s, pos, FIXED);
            FieldReader r = new FieldReader("qcow2 snapshot table entry " + i, fixed, ByteOrder.BIG_ENDIAN);
            long l1Offset = r.u64("l1_table_offset", 0);
            long l1Size = r.u32("l1_size", 8);
            int idSize = r.u16("id_str_size", 12);
            int nameSize = r.u16("name_size", 14);
            long dateSec = r.u32("date_sec", 16);
            long dateNsec = r.u32("date_nsec", 20);
            long vmClock = r.u64("vm_clock_nsec", 24);
            long vmState = r.u32("vm_state_size", 32);
            long extraSize = r.u32InRange("extra_data_size", 36, 0, Limits.MAX_SNAPSHOT_EXTRA_DATA);
            r.check("l1_size", 8, l1Size, 0, Limits.MAX_L1_ENTRIES);
            long varLen = extraSize + idSize + nameSize;
            if (pos + FIXED + varLen > fileSize) {
                throw new CorruptImageException("qcow2 snapshot table entry " + i + " extends past the end of the file");
            }
            byte[] var = readBytes(s, pos + FIXED, (int) varLen);
            ByteBuffer vb = ByteBuffer.wrap(var).order(ByteOrder.BIG_ENDIAN);
            long diskSize = -1;
            long icount = -1;
            if (extraSize >= 8) {
                vmState = vb.getLong(0);
            }
            if (extraSize >= 16) {
                diskSize = vb.getLong(8);
            }
            if (extraSize >= 24) {
                icount = vb.getLong(16);
            }
            byte[] tail = extraSize > EXTRA_DATA_SIZE
                    ? java.util.Arrays.copyOfRange(var, EXTRA_DATA_SIZE, (int) extraSize) : new byte[0];
            String id = new String(var, (int) extraSize, idSize, StandardCharsets.UTF_8);
            String name = new String(var, (int) extraSize + idSize, nameSize, StandardCharsets.UTF_8);
            list.add(new Snapshot(l1Offset, (int) l1Size, id, name, dateSec, (int) dateNsec, vmClock, vmState, diskSize,
                    icount, tail));
            pos += Limits.alignUp(FIXED + varLen, 8);
        }
        return new Table(list, pos - offset);
    }

    private static byte[] readBytes(Qcow2State s, long pos, int n) throws IOException {
        byte[] b = new byte[n];
        s.file().read(pos, ByteBuffer.wrap(b));
        return b;
    }

    /** The table as bytes, each entry with QEMU's 24 bytes of extra data (plus any unknown tail). */
    static byte[] encode(List<Snapshot> list) {
        int total = 0;
        List<byte[]> parts = new ArrayList<>();
        for (Snapshot sn : list) {
            byte[] id = sn.id().getBytes(StandardCharsets.UTF_8);
            byte[] name = sn.name().getBytes(StandardCharsets.UTF_8);
            int extra = EXTRA_DATA_SIZE + sn.extraTail().length;
            int len = (int) Limits.alignUp(FIXED + extra + id.length + name.length, 8);
            ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.BIG_ENDIAN);
            b.putLong(sn.l1Offset()).putInt(sn.l1Size()).putShort((short) id.length).putShort((short) name.length);
            b.putInt((int) sn.dateSec()).putInt(sn.dateNsec()).putLong(sn.vmClockNs());
            b.putInt((int) Math.min(sn.vmStateSize(), 0xffffffffL)).putInt(extra);
            b.putLong(sn.vmStateSize()).putLong(sn.diskSize()).putLong(sn.icount()).put(sn.extraTail());
            b.put(id).put(name);
            parts.add(b.array());
            total += len;
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (byte[] p : parts) {
            out.put(p);
        }
        return out.array();
    }

    /**
     * Writes {@code list} as the new table (QEMU's {@code qcow2_write_snapshots}): new clusters,
     * flushed, then the header switched and flushed, then the old table freed. Under the metadata lock.
     */
    static void write(Qcow2State s, List<Snapshot> list) throws IOException {
        Qcow2Header h = s.header();
        byte[] bytes = encode(list);
        if (bytes.length > Limits.MAX_SNAPSHOTS_BYTES) {
            throw new dev.jimg.block.ImageException(s.filename(), "Snapshot table too large");
        }
        long offset = 0;
        if (!list.isEmpty()) {
            offset = s.refcounts().allocate(s.geometry().sizeToClusters(bytes.length));
            s.writeBackMetadata();
            s.file().write(offset, ByteBuffer.wrap(bytes));
            s.file().flush();
        }
        long oldOffset = h.snapshotsOffset();
        long oldBytes = readTable(s).bytes();
        s.writeHeader(h.withSnapshots(offset, list.size()));
        s.file().flush();
        if (oldBytes > 0) {
            s.refcounts().free(oldOffset, oldBytes, false);
        }
    }
}
