package dev.jimg.emulator.ata;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The host memory a command's data moves through, as the device sees it: a byte sequence the host
 * controller scatters over guest memory (an AHCI PRD table). The device hands out pieces of it so
 * that data moves between guest RAM and the block layer without extra copies.
 */
public interface HostBuffer {

    /** What a piece of the buffer is used for. */
    @FunctionalInterface
    interface PieceAction {
        /**
         * @param piece    guest memory, position 0 to limit; fill it (device to host) or drain it
         * @param position the piece's offset from the start of the range being moved
         */
        void accept(ByteBuffer piece, long position) throws IOException;
    }

    /** Bytes the host described. */
    long size();

    /** Offers {@code [position, position + length)} piece by piece for the device to fill. */
    void toHost(long position, long length, PieceAction fill) throws IOException;

    /** Offers {@code [position, position + length)} piece by piece for the device to read. */
    void fromHost(long position, long length, PieceAction drain) throws IOException;

    /** Copies {@code data} to the start of the buffer (IDENTIFY data, log pages). */
    default void copyToHost(byte[] data) throws IOException {
        toHost(0, data.length, (piece, position) -> piece.put(data, (int) position, piece.remaining()));
    }

    /** The first {@code length} bytes of the buffer. */
    default byte[] copyFromHost(int length) throws IOException {
        byte[] out = new byte[length];
        fromHost(0, length, (piece, position) -> piece.get(out, (int) position, piece.remaining()));
        return out;
    }
}
