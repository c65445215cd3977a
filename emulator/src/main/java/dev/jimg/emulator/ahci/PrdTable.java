package dev.jimg.emulator.ahci;

import dev.jimg.emulator.ata.HostBuffer;
import dev.jimg.emulator.memory.AddressSpace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A command's physical region descriptor table: the scatter-gather list of guest memory its data
 * moves through (AHCI 1.3.1, section 4.2.3.3), 16 bytes per entry:
 * <pre>
 *   0 DBA: data base address (bit 0 reserved: word aligned)   4 DBAU: upper 32 bits
 *   8 reserved                                                12 DBC: byte count - 1 (21:0; bit 0
 *                                                                always 1), I: interrupt on completion (31)
 * </pre>
 * Pieces of guest RAM are handed to the device as buffers straight over guest memory, so block
 * requests read and write guest RAM without copies; anything else goes through a bounce buffer.
 */
final class PrdTable implements HostBuffer {
    static final int ENTRY_SIZE = 16;
    /** The byte count field holds at most 4 MiB (22 bits). */
    static final int MAX_ENTRY_BYTES = 1 << 22;
    /** The PRDTL field of the command header is 16 bits wide. */
    static final int MAX_ENTRIES = 0xffff;

    private final AddressSpace memory;
    private final long[] addresses;
    private final int[] lengths;
    private final long size;

    private PrdTable(AddressSpace memory, long[] addresses, int[] lengths) {
        this.memory = memory;
        this.addresses = addresses;
        this.lengths = lengths;
        long total = 0;
        for (int n : lengths) {
            total += n;
        }
        this.size = total;
    }

    /** Reads {@code entries} descriptors at {@code table}; a table outside memory is a bus error. */
    static PrdTable read(AddressSpace memory, long table, int entries) {
        byte[] raw = new byte[entries * ENTRY_SIZE];
        memory.read(table, raw, 0, raw.length);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long[] addresses = new long[entries];
        int[] lengths = new int[entries];
        for (int i = 0; i < entries; i++) {
            int at = i * ENTRY_SIZE;
            addresses[i] = b.getLong(at) & ~1L;
            lengths[i] = ((b.getInt(at + 12) & (MAX_ENTRY_BYTES - 1)) | 1) + 1;
        }
        return new PrdTable(memory, addresses, lengths);
    }

    @Override
    public long size() {
        return size;
    }

    int entries() {
        return lengths.length;
    }

    /** Whether every region the table names is mapped in guest memory, so DMA cannot fault midway. */
    boolean mapped() {
        for (int i = 0; i < lengths.length; i++) {
            if (!memory.mapped(addresses[i], lengths[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void toHost(long position, long length, PieceAction fill) throws IOException {
        walk(position, length, (address, piece, offset) -> {
            ByteBuffer direct = memory.ramBuffer(address, piece);
            if (direct != null) {
                fill.accept(direct, offset);
                memory.noteWritten(address, piece);
            } else {
                ByteBuffer bounce = ByteBuffer.allocate(piece);
                fill.accept(bounce, offset);
                memory.write(address, bounce.array(), 0, piece);
            }
        });
    }

    @Override
    public void fromHost(long position, long length, PieceAction drain) throws IOException {
        walk(position, length, (address, piece, offset) -> {
            ByteBuffer direct = memory.ramBuffer(address, piece);
            if (direct == null) {
                byte[] bounce = new byte[piece];
                memory.read(address, bounce, 0, piece);
                direct = ByteBuffer.wrap(bounce);
            }
            drain.accept(direct, offset);
        });
    }

    private interface Piece {
        void at(long address, int length, long position) throws IOException;
    }

    /** Calls {@code action} for each piece of {@code [position, position + length)} in table order. */
    private void walk(long position, long length, Piece action) throws IOException {
        if (position < 0 || length < 0 || position + length > size) {
            throw new IllegalArgumentException("a transfer of " + length + " bytes at " + position
                    + " does not fit the " + size + " bytes the PRD table describes");
        }
        long entryStart = 0;
        long end = position + length;
        for (int i = 0; i < lengths.length && entryStart < end; i++) {
            long entryEnd = entryStart + lengths[i];
            long from = Math.max(position, entryStart);
            long to = Math.min(end, entryEnd);
            if (from < to) {
                action.at(addresses[i] + (from - entryStart), (int) (to - from), from - position);
            }
            entryStart = entryEnd;
        }
    }
}
