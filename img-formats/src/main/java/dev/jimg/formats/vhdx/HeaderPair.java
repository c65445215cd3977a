package dev.jimg.formats.vhdx;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The two headers and which one is current. Updates follow the specification (section 2.2.2.1):
 * the non-current header gets the next sequence number and the new fields, is written and made
 * durable, and becomes current; QEMU then repeats this so both copies agree, and so do we.
 *
 * <p>Not thread-safe: the node calls it under its metadata lock.
 */
final class HeaderPair {
    private final VhdxHeader[] headers;
    private int current;

    private HeaderPair(VhdxHeader[] headers, int current) {
        this.headers = headers;
        this.current = current;
    }

    /**
     * Reads both headers and picks the current one: the valid one, or of two valid ones the one
     * with the larger sequence number. Equal sequence numbers are accepted only when the headers
     * are identical (Disk2vhd writes them so), as in QEMU.
     */
    static HeaderPair read(BlockNode file) throws IOException {
        byte[] raw1 = readHeader(file, VhdxHeader.HEADER1_OFFSET);
        byte[] raw2 = readHeader(file, VhdxHeader.HEADER2_OFFSET);
        VhdxHeader h1 = VhdxHeader.parseIfValid(raw1);
        VhdxHeader h2 = VhdxHeader.parseIfValid(raw2);
        int current;
        if (h1 != null && h2 == null) {
            current = 0;
        } else if (h1 == null && h2 != null) {
            current = 1;
        } else if (h1 == null) {
            throw new CorruptImageException("No valid VHDX header found");
        } else if (h1.sequenceNumber() != h2.sequenceNumber()) {
            current = Long.compareUnsigned(h1.sequenceNumber(), h2.sequenceNumber()) > 0 ? 0 : 1;
        } else if (Arrays.equals(raw1, raw2)) {
            current = 0;
        } else {
            throw new CorruptImageException("No valid VHDX header found: both headers have sequence number "
                    + Long.toUnsignedString(h1.sequenceNumber()) + " but differ");
        }
        return new HeaderPair(new VhdxHeader[] {h1, h2}, current);
    }

    private static byte[] readHeader(BlockNode file, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(VhdxHeader.SIZE);
        file.read(offset, b);
        return b.array();
    }

    VhdxHeader current() {
        return headers[current];
    }

    /**
     * Writes the new header values twice, once into each slot.
     *
     * @param dataWrite the new data write GUID, or {@code null} to keep the current one
     */
    void update(BlockNode file, Guid fileWrite, Guid dataWrite, Guid log) throws IOException {
        for (int i = 0; i < 2; i++) {
            VhdxHeader active = headers[current];
            int other = 1 - current;
            VhdxHeader next = active.withUpdate(active.sequenceNumber() + 1, fileWrite,
                    dataWrite != null ? dataWrite : active.dataWriteGuid(), log);
            file.write(other == 0 ? VhdxHeader.HEADER1_OFFSET : VhdxHeader.HEADER2_OFFSET,
                    ByteBuffer.wrap(next.toBytes()));
            file.flush();
            headers[other] = next;
            current = other;
        }
    }
}
