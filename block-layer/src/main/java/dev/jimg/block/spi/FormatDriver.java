package dev.jimg.block.spi;

import dev.jimg.block.BlockNode;
import dev.jimg.block.NotSupportedException;
import java.io.IOException;
import java.util.List;

/**
 * A format driver: recognises, opens, creates and measures images of one format. Drivers are
 * stateless; every open image is a {@link BlockNode} of its own.
 *
 * <p>Probing is scored as in QEMU: each driver rates how sure it is that the bytes are its format,
 * and the highest score wins, so the order in which drivers are registered never matters. Raw
 * scores 1 so that it is chosen if and only if nothing else matches.
 */
public interface FormatDriver {

    /** The format name as qemu-img spells it ({@code qcow2}, {@code vpc}, {@code vdi}, …). */
    String name();

    /**
     * How sure the driver is that {@code input} is its format: 0 for "not mine", 100 for a
     * matching magic number and version, 1 for raw's "anything".
     */
    int probe(ProbeInput input);

    /** Opens the image whose protocol node is {@code context.file()}. */
    BlockNode open(OpenContext context) throws IOException;

    /** The options {@code create -o} and {@code convert -o} accept, in the order {@code -o help} lists them. */
    default List<OptionSpec> createOptions() {
        return List.of();
    }

    /** Creates a new image; the file may exist (it is truncated) unless the format says otherwise. */
    default void create(CreateRequest request) throws IOException {
        throw NotSupportedException.byFormat(name(), "image creation");
    }

    /**
     * What an image of this format would occupy for {@code request} ({@code qemu-img measure}).
     * Without it, the refusal is worded as qemu-img's {@code measure} words it ("Block driver",
     * where other refusals say "Format driver").
     */
    default Measurement measure(MeasureRequest request) throws IOException {
        throw new NotSupportedException("Block driver '" + name() + "' does not support size measurement");
    }

    /** Whether the driver can write images (qemu-img refuses {@code -O} of read-only formats). */
    default boolean supportsCreate() {
        return false;
    }

    /** Whether {@code convert -c} can write this format (its nodes offer {@code CompressedWrites}). */
    default boolean supportsCompression() {
        return false;
    }

    /** Whether images of this format can name a backing file ({@code -b}). */
    default boolean supportsBacking() {
        return false;
    }
}
