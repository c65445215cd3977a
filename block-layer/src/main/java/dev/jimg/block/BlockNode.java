package dev.jimg.block;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A node of the block graph: a protocol node (a host file) or a format node (raw, qcow2, …) over
 * one, possibly with a backing node beneath. Everything that reads or writes images — the
 * command line verbs, the emulator's disk controllers — talks to this interface only.
 *
 * <p><b>Concurrency.</b> Every method may be called from many threads at once (the emulator
 * completes guest requests on virtual threads; {@code convert} copies with several workers).
 * Requests to disjoint ranges must not block each other longer than the metadata update they
 * share; requests to overlapping ranges may complete in either order, as on a real disk.
 *
 * <p><b>Ranges.</b> Offsets and lengths are in bytes. Format nodes reject requests beyond
 * {@link #size()} with an {@link ImageException}; protocol nodes read zeroes past the end of the
 * file and grow it on writes, as a POSIX file does.
 *
 * <p><b>Errors.</b> Host I/O failures surface as {@link IOException}; damaged metadata as
 * {@link CorruptImageException}; requests the node cannot honour (a write to a read-only node, a
 * feature the format lacks) as {@link ImageException}.
 *
 * <p><b>Capabilities.</b> What only some formats offer — check, snapshots, amend, compressed
 * writes — is a separate interface the node may also implement, found with {@link #capability}.
 */
public interface BlockNode extends Closeable {

    /** The driver name qemu-img uses: {@code file}, {@code raw}, {@code qcow2}, {@code vmdk}, … */
    String formatName();

    /** The name this node was opened with, as {@code info} prints it. */
    String filename();

    /** The guest-visible size in bytes (the host file's length for a protocol node). */
    long size() throws IOException;

    boolean isReadOnly();

    /** Fills {@code dst} from its position to its limit with the bytes at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes the bytes of {@code src} from its position to its limit at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /**
     * Makes the range read as zeroes. With {@code mayUnmap} the node may free the storage behind it
     * (punch a hole, drop the cluster) when that leaves the range reading as zeroes.
     */
    void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException;

    /**
     * Tells the node the guest no longer needs the range. Contents afterwards are unspecified (they
     * may read as before, as zeroes, or — for a format with a backing node — as the backing data);
     * a node that cannot free storage may ignore the request.
     */
    void discard(long offset, long length) throws IOException;

    /** Makes every completed write durable, metadata included, before returning. */
    void flush() throws IOException;

    /**
     * Changes the guest-visible size. Growing exposes zeroes; shrinking drops data past the new
     * end (callers ask the user first, as {@code qemu-img resize --shrink} does).
     */
    void resize(long newSize) throws IOException;

    /**
     * Describes the bytes starting at {@code offset}: the returned extent starts exactly there and
     * covers at most {@code length} bytes, all with the same status. Only this node's own layer is
     * described: bytes it leaves to its backing node are {@link Extent#unallocated}. Callers that
     * want the whole chain's view use {@link ChainStatus}.
     */
    Extent blockStatus(long offset, long length) throws IOException;

    /** Releases the node and the nodes it owns (its file, its backing chain). */
    @Override
    void close() throws IOException;

    /** The node this node reads unallocated ranges from, if it has one. */
    default Optional<BlockNode> backing() {
        return Optional.empty();
    }

    /** The backing file as the image names it, even when it was not opened. */
    default Optional<BackingReference> backingReference() {
        return Optional.empty();
    }

    /**
     * Whether the format can have a backing file at all. For such formats an unallocated range
     * without a backing node reads as zeroes, and {@code map} reports it so.
     */
    default boolean supportsBacking() {
        return false;
    }

    /** The child holding this node's data (the protocol node under a format), if any. */
    default Optional<BlockNode> file() {
        return Optional.empty();
    }

    /** Bytes of host storage in use ({@code actual-size}), or -1 if unknown. */
    default long allocatedBytes() throws IOException {
        Optional<BlockNode> file = file();
        return file.isPresent() ? file.get().allocatedBytes() : -1;
    }

    /** The allocation unit ({@code cluster-size} in {@code info}), if the format has one. */
    default OptionalInt clusterSize() {
        return OptionalInt.empty();
    }

    /** Whether the image was left open for writing without being closed cleanly. */
    default boolean isDirty() {
        return false;
    }

    /**
     * Whether a freshly created image of this kind reads as zeroes everywhere (QEMU's
     * {@code bdrv_has_zero_init}), so that {@code convert} into an image it has just created may
     * skip zero ranges. Never true for a node with a backing node.
     */
    default boolean hasZeroInit() {
        return false;
    }

    /** This node seen as {@code type} if it offers that capability, e.g. {@code Checkable.class}. */
    default <T> Optional<T> capability(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }
}
