package dev.jimg.formats.vhdx;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.util.Sizes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The VHDX metadata log (specification section 2.3): a circular buffer of 4 KiB sectors holding
 * entries, each a header, descriptors and data sectors, that describe metadata writes. A writer
 * logs a change, makes the log durable, then applies it in place; after a crash the log is
 * replayed before the image is used, so metadata is never half-written.
 *
 * <pre>
 * entry header (64 bytes, little-endian): "loge", checksum (CRC-32C of the whole entry), entry
 *   length, tail, sequence number (u64), descriptor count, reserved, log GUID (16), flushed file
 *   offset (u64), last file offset (u64)
 * descriptors (32 bytes, after the header, continuing into further sectors):
 *   "desc": trailing bytes (4), leading bytes (8), file offset (u64), sequence number (u64)
 *   "zero": reserved (4), zero length (u64), file offset (u64), sequence number (u64)
 * data sector (4 KiB): "data", sequence high (u32), 4084 bytes, sequence low (u32)
 * </pre>
 *
 * A data descriptor's 4 KiB are its leading 8 bytes, the data sector's 4084 and its trailing 4.
 */
final class VhdxLog {
    static final int SECTOR = 4096;
    private static final int ENTRY_SIGNATURE = 0x65676F6C; // "loge"
    private static final int DATA_DESCRIPTOR = 0x63736564; // "desc"
    private static final int ZERO_DESCRIPTOR = 0x6F72657A; // "zero"
    private static final int DATA_SIGNATURE = 0x61746164; // "data"
    private static final int HEADER_SIZE = 64;
    private static final int DESCRIPTOR_SIZE = 32;
    private static final int DESCRIPTORS_PER_SECTOR = SECTOR / DESCRIPTOR_SIZE;
    private static final int PAYLOAD_PER_DATA_SECTOR = 4084;
    /** The log is searched in memory; longer logs than this (Hyper-V writes 1 MiB) are refused. */
    static final long MAX_LOG_LENGTH = 64L << 20;
    /**
     * Searching checksums each candidate entry; a hostile log could make that quadratic, so the
     * search gives up after checksumming this many times the log's length.
     */
    private static final int SEARCH_WORK_FACTOR = 16;
    /** Log entries may not grow the file beyond this (a 64 TiB disk plus its metadata fits). */
    static final long MAX_FILE_SIZE = 1L << 47;

    private VhdxLog() {
    }

    /** One metadata write of an entry: 4 KiB of data, or {@code zeroLength} zero bytes. */
    record Descriptor(long fileOffset, byte[] data, long zeroLength) {
        long length() {
            return data != null ? SECTOR : zeroLength;
        }
    }

    record Entry(long sequence, int length, long flushedFileOffset, long lastFileOffset, List<Descriptor> descriptors) {
    }

    /** Whether the header says a log may need replaying: a non-zero log GUID and a log. */
    static boolean mayBeActive(VhdxHeader header) {
        return !header.logGuid().isZero() && header.logLength() != 0;
    }

    /**
     * The active sequence of entries, oldest first, or an empty list: among the runs of valid
     * entries with consecutive sequence numbers, the one whose last entry is newest (QEMU's
     * search, with the work bounded).
     */
    static List<Entry> findActiveSequence(BlockNode file, VhdxHeader header) throws IOException {
        if (!mayBeActive(header)) {
            return List.of();
        }
        long length = header.logLength();
        if (length % (1 << 20) != 0) {
            throw new CorruptImageException("VHDX log length " + length + " is not a multiple of 1 MiB");
        }
        if (length > MAX_LOG_LENGTH) {
            throw new NotSupportedException("VHDX log of " + length + " bytes is larger than the "
                    + MAX_LOG_LENGTH + " bytes jimg replays");
        }
        if (header.logOffset() > file.size() - length) {
            throw new CorruptImageException("VHDX log at offset " + header.logOffset() + " of " + length
                    + " bytes extends beyond the end of the file");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) length);
        file.read(header.logOffset(), buf);
        Parser parser = new Parser(buf.array(), header.logGuid());
        List<Entry> best = List.of();
        int pos = 0;
        while (pos < length) {
            Entry first = parser.parse(pos);
            if (first == null) {
                pos += SECTOR;
                continue;
            }
            List<Entry> run = new ArrayList<>(List.of(first));
            long consumed = first.length();
            while (consumed < length) {
                Entry next = parser.parse((int) ((pos + consumed) % length));
                if (next == null || next.sequence() != run.get(run.size() - 1).sequence() + 1) {
                    break;
                }
                run.add(next);
                consumed += next.length();
            }
            if (best.isEmpty() || Long.compareUnsigned(run.get(run.size() - 1).sequence(),
                    best.get(best.size() - 1).sequence()) > 0) {
                best = run;
            }
            pos += (int) Math.min(consumed, length);
        }
        return best;
    }

    /** Applies {@code entries} to the file in order and makes the result durable. */
    static void replay(BlockNode file, List<Entry> entries) throws IOException {
        for (Entry e : entries) {
            long size = file.size();
            if (Long.compareUnsigned(e.flushedFileOffset(), size) > 0) {
                throw new CorruptImageException("VHDX log entry " + e.sequence() + " expects the file to hold at least "
                        + Long.toUnsignedString(e.flushedFileOffset()) + " bytes, it has " + size
                        + ": the image has been truncated");
            }
            if (e.lastFileOffset() < 0 || e.lastFileOffset() > MAX_FILE_SIZE) {
                throw new CorruptImageException("VHDX log entry " + e.sequence() + " has an impossible last file offset "
                        + Long.toUnsignedString(e.lastFileOffset()));
            }
            long limit = Math.max(size, e.lastFileOffset());
            for (Descriptor d : e.descriptors()) {
                if (d.fileOffset() < 0 || d.length() < 0 || d.fileOffset() > limit - d.length()) {
                    throw new CorruptImageException("VHDX log entry " + e.sequence() + " writes "
                            + Long.toUnsignedString(d.length()) + " bytes at offset "
                            + Long.toUnsignedString(d.fileOffset()) + ", beyond the file's end (" + limit + ")");
                }
                if (d.data() != null) {
                    file.write(d.fileOffset(), ByteBuffer.wrap(d.data()));
                } else if (d.zeroLength() > 0) {
                    file.writeZeroes(d.fileOffset(), d.zeroLength(), false);
                }
            }
            if (file.size() < e.lastFileOffset()) {
                file.resize(Sizes.alignUp(e.lastFileOffset(), 1 << 20));
            }
        }
        file.flush();
    }

    /** The most 4 KiB sectors one entry can carry in a log of {@code logLength} bytes. */
    static int maxSectorsPerEntry(long logLength) {
        long logSectors = logLength / SECTOR;
        // One sector stays free, QEMU's convention for a full circular buffer.
        long n = logSectors - 1;
        while (n > 0 && descriptorSectors(n) + n > logSectors - 1) {
            n--;
        }
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    private static int descriptorSectors(long descriptors) {
        return (int) ((descriptors + 2 + DESCRIPTORS_PER_SECTOR - 1) / DESCRIPTORS_PER_SECTOR);
    }

    /**
     * Writes one entry at the start of the log: {@code sectors[i]} is to be written at
     * {@code targets[i]}. The caller has set the header's log GUID and makes the entry durable.
     */
    static void writeEntry(BlockNode file, VhdxHeader header, long sequence, long[] targets, byte[][] sectors)
            throws IOException {
        int n = targets.length;
        int descSectors = descriptorSectors(n);
        int total = (descSectors + n) * SECTOR;
        if (total > header.logLength() - SECTOR) {
            throw new IllegalArgumentException("log entry of " + n + " sectors does not fit a log of "
                    + header.logLength() + " bytes");
        }
        ByteBuffer e = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        long fileSize = file.size();
        e.putInt(0, ENTRY_SIGNATURE);
        e.putInt(8, total);
        e.putInt(12, 0); // tail: this entry, at the start of the log, is the oldest one needed
        e.putLong(16, sequence);
        e.putInt(24, n);
        header.logGuid().write(e, 32);
        e.putLong(48, fileSize);
        e.putLong(56, fileSize);
        for (int i = 0; i < n; i++) {
            byte[] s = sectors[i];
            int d = HEADER_SIZE + i * DESCRIPTOR_SIZE;
            e.putInt(d, DATA_DESCRIPTOR);
            e.put(d + 4, s, SECTOR - 4, 4);
            e.put(d + 8, s, 0, 8);
            e.putLong(d + 16, targets[i]);
            e.putLong(d + 24, sequence);
            int data = (descSectors + i) * SECTOR;
            e.putInt(data, DATA_SIGNATURE);
            e.putInt(data + 4, (int) (sequence >>> 32));
            e.put(data + 8, s, 8, PAYLOAD_PER_DATA_SECTOR);
            e.putInt(data + SECTOR - 4, (int) sequence);
        }
        byte[] bytes = e.array();
        VhdxHeader.Checksums.store(bytes, 4);
        file.write(header.logOffset(), ByteBuffer.wrap(bytes));
    }

    /** Parses entries out of the in-memory log, within the search's work budget. */
    private static final class Parser {
        private final byte[] log;
        private final Guid guid;
        private long budget;

        Parser(byte[] log, Guid guid) {
            this.log = log;
            this.guid = guid;
            this.budget = (long) SEARCH_WORK_FACTOR * log.length;
        }

        /** The entry at {@code pos}, or {@code null} if there is no valid one. */
        Entry parse(int pos) {
            ByteBuffer h = ByteBuffer.wrap(log, pos, HEADER_SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
            long length = h.getInt(8) & 0xFFFFFFFFL;
            long sequence = h.getLong(16);
            long count = h.getInt(24) & 0xFFFFFFFFL;
            if (h.getInt(0) != ENTRY_SIGNATURE || length == 0 || length % SECTOR != 0 || length > log.length
                    || sequence == 0 || !Guid.read(h, 32).equals(guid) || count * DESCRIPTOR_SIZE > length
                    || descriptorSectors(count) > length / SECTOR) {
                return null;
            }
            budget -= length;
            if (budget < 0) {
                throw new CorruptImageException("VHDX log is too damaged to search for entries to replay");
            }
            byte[] entry = new byte[(int) length];
            for (int done = 0; done < length; done += SECTOR) {
                System.arraycopy(log, (pos + done) % log.length, entry, done, SECTOR);
            }
            if (!VhdxHeader.Checksums.valid(entry, 4)) {
                return null;
            }
            List<Descriptor> descriptors = descriptors(ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN),
                    (int) count, sequence);
            if (descriptors == null) {
                return null;
            }
            return new Entry(sequence, (int) length, h.getLong(48), h.getLong(56), descriptors);
        }

        private static List<Descriptor> descriptors(ByteBuffer e, int count, long sequence) {
            int dataSector = descriptorSectors(count);
            List<Descriptor> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int d = HEADER_SIZE + i * DESCRIPTOR_SIZE;
                int signature = e.getInt(d);
                long fileOffset = e.getLong(d + 16);
                if (e.getLong(d + 24) != sequence || fileOffset % SECTOR != 0) {
                    return null;
                }
                if (signature == ZERO_DESCRIPTOR) {
                    long zeroLength = e.getLong(d + 8);
                    if (zeroLength % SECTOR != 0) {
                        return null;
                    }
                    out.add(new Descriptor(fileOffset, null, zeroLength));
                } else if (signature == DATA_DESCRIPTOR) {
                    int s = dataSector++ * SECTOR;
                    if (s + SECTOR > e.capacity() || e.getInt(s) != DATA_SIGNATURE
                            || ((long) e.getInt(s + 4) << 32 | (e.getInt(s + SECTOR - 4) & 0xFFFFFFFFL)) != sequence) {
                        return null;
                    }
                    byte[] data = new byte[SECTOR];
                    e.get(d + 8, data, 0, 8);
                    e.get(s + 8, data, 8, PAYLOAD_PER_DATA_SECTOR);
                    e.get(d + 4, data, SECTOR - 4, 4);
                    out.add(new Descriptor(fileOffset, data, 0));
                } else {
                    return null;
                }
            }
            return out;
        }
    }
}
