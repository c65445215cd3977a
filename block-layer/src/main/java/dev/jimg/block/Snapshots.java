package dev.jimg.block;

import java.io.IOException;
import java.util.List;

/** Internal snapshots ({@code qemu-img snapshot -l/-c/-a/-d}). */
public interface Snapshots {

    /** The snapshots in the order the image stores them. */
    List<SnapshotInfo> list() throws IOException;

    /** Creates a snapshot of the current state named {@code name}; the id is chosen by the format. */
    SnapshotInfo create(String name) throws IOException;

    /** Reverts the current state to the snapshot whose id or name is {@code idOrName}. */
    void apply(String idOrName) throws IOException;

    /** Deletes the snapshot whose id or name is {@code idOrName}. */
    void delete(String idOrName) throws IOException;
}
