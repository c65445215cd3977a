package dev.jimg.formats.qcow2;

import dev.jimg.block.BlockNode;
import dev.jimg.block.spi.BackingReads;
import dev.jimg.block.util.Buffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;

/**
 * Reads guest data: mapping runs are looked up under the metadata lock, the data is then read
 * without it — from the data file, the backing node, or decompressed — QEMU's
 * {@code qcow2_co_preadv_part}.
 */
final class DataReader {
    private final Qcow2State s;
    private final Compression codec;
    private volatile BlockNode backing;

    DataReader(Qcow2State s, Compression codec, BlockNode backing) {
        this.s = s;
        this.codec = codec;
        this.backing = backing;
    }

    void setBacking(BlockNode node) {
        this.backing = node;
    }

    BlockNode backing() {
        return backing;
    }

    ClusterMap.Run lookup(long offset, long max) throws IOException {
        s.lock.lock();
        try {
            return s.map().lookup(offset, max);
        } finally {
            s.lock.unlock();
        }
    }

    /** Fills {@code dst} with the guest bytes at {@code offset} (the range is inside the image). */
    void read(long offset, ByteBuffer dst) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            ClusterMap.Run run = lookup(pos, dst.remaining());
            int n = (int) run.length();
            ByteBuffer part = dst.slice(dst.position(), n);
            switch (run.type()) {
                case UNALLOCATED -> BackingReads.read(backing, pos, part);
                case ZERO_PLAIN, ZERO_ALLOC -> Buffers.fillZero(part);
                case NORMAL -> s.dataFile().read(run.hostOffset(), part);
                case COMPRESSED -> {
                    byte[] cluster = decompress(run.entry());
                    part.put(cluster, (int) (pos & s.geometry().clusterMask()), n);
                }
            }
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    /** The whole cluster a compressed descriptor describes. */
    byte[] decompress(long entry) throws IOException {
        Geometry g = s.geometry();
        long offset = L2Entry.compressedOffset(entry, g);
        int length = L2Entry.compressedSectors(entry, g) * 512 - (int) (offset & 511);
        byte[] in = new byte[length];
        s.file().read(offset, ByteBuffer.wrap(in));
        byte[] out = new byte[g.clusterSize()];
        try {
            codec.decompress(in, length, out);
        } catch (DataFormatException e) {
            throw new IOException(s.filename() + ": could not decompress the " + codec.name()
                    + " cluster at host offset " + offset + ": " + e.getMessage(), e);
        }
        return out;
    }
}
