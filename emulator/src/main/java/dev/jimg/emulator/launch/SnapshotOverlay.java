package dev.jimg.emulator.launch;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * {@code snapshot=on}: the guest writes into a sparse temporary file, the image underneath stays
 * untouched (it is opened read-only), and everything written is gone when the node is closed, as
 * QEMU's temporary qcow2 overlay behaves.
 *
 * <p>A bitmap records which {@value #BLOCK}-byte blocks the overlay holds; reads take those from the
 * overlay and the rest from the image. Partial-block writes first copy the block up from the image.
 * Writes are serialised (snapshot mode is for throw-away runs, not throughput); reads run
 * concurrently with each other.
 */
final class SnapshotOverlay implements BlockNode {
    /** The bitmap granularity: the virtio-blk sector, so aligned guest writes never copy up. */
    static final int BLOCK = 512;

    private final BlockNode base;
    private final Path file;
    private final FileChannel overlay;
    private final BitSet written = new BitSet();
    private final Object writeLock = new Object();

    private SnapshotOverlay(BlockNode base, Path file, FileChannel overlay) {
        this.base = base;
        this.file = file;
        this.overlay = overlay;
    }

    /** Puts a throw-away overlay over {@code base}, which the overlay then owns. */
    static SnapshotOverlay over(BlockNode base) throws IOException {
        if (base.size() / BLOCK > Integer.MAX_VALUE) {
            throw new NotSupportedException(base.filename(), "snapshot=on supports disks up to "
                    + ((long) Integer.MAX_VALUE * BLOCK >> 30) + " GiB");
        }
        Path file = Files.createTempFile("jimg-snapshot-", ".overlay");
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.SPARSE);
            return new SnapshotOverlay(base, file, ch);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    @Override
    public String formatName() {
        return base.formatName();
    }

    @Override
    public String filename() {
        return base.filename();
    }

    @Override
    public long size() throws IOException {
        return base.size();
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    private boolean isWritten(long block) {
        synchronized (written) {
            return written.get((int) block);
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        while (dst.hasRemaining()) {
            long block = offset / BLOCK;
            boolean fromOverlay = isWritten(block);
            long runEnd = (block + 1) * BLOCK;
            while (runEnd < offset + dst.remaining() && isWritten(runEnd / BLOCK) == fromOverlay) {
                runEnd += BLOCK;
            }
            int chunk = (int) Math.min(dst.remaining(), runEnd - offset);
            ByteBuffer part = dst.slice(dst.position(), chunk);
            if (fromOverlay) {
                while (part.hasRemaining()) {
                    if (overlay.read(part, offset + part.position()) < 0) {
                        throw new IOException("snapshot overlay " + file + " is shorter than what was written to it");
                    }
                }
            } else {
                base.read(offset, part);
            }
            dst.position(dst.position() + chunk);
            offset += chunk;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int length = src.remaining();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        long end = offset + length;
        synchronized (writeLock) {
            copyUp(offset / BLOCK, offset);
            copyUp((end - 1) / BLOCK, end);
            long position = offset;
            while (src.hasRemaining()) {
                position += overlay.write(src, position);
            }
            synchronized (written) {
                written.set((int) (offset / BLOCK), (int) ((end - 1) / BLOCK) + 1);
            }
        }
    }

    /** Copies a block the write covers only partly from the image into the overlay first. */
    private void copyUp(long block, long boundary) throws IOException {
        if (boundary % BLOCK == 0 || isWritten(block)) {
            return;
        }
        long start = block * BLOCK;
        int length = (int) Math.min(BLOCK, size() - start);
        ByteBuffer buf = ByteBuffer.allocate(length);
        base.read(start, buf);
        buf.flip();
        while (buf.hasRemaining()) {
            overlay.write(buf, start + buf.position());
        }
        synchronized (written) {
            written.set((int) block);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        while (length > 0) {
            int chunk = (int) Math.min(length, zeroes.capacity());
            write(offset, zeroes.clear().limit(chunk));
            offset += chunk;
            length -= chunk;
        }
    }

    @Override
    public void discard(long offset, long length) {
        // The overlay keeps what it has; discarded contents may read as before.
    }

    @Override
    public void flush() {
        // Nothing here outlives the run, so there is nothing to make durable.
    }

    @Override
    public void resize(long newSize) {
        throw new NotSupportedException(base.filename(), "Cannot resize a drive opened with snapshot=on");
    }

    @Override
    public Extent blockStatus(long offset, long length) throws IOException {
        return Extent.data(offset, Math.min(length, size() - offset), -1, null);
    }

    private void checkRange(long offset, long length) throws IOException {
        if (offset < 0 || offset + length > size()) {
            throw new ImageException(base.filename(), "Request at offset " + offset + " length " + length
                    + " is beyond the end of the disk");
        }
    }

    @Override
    public void close() throws IOException {
        try (base) {
            overlay.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
