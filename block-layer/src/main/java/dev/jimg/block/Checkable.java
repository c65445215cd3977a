package dev.jimg.block;

import java.io.IOException;

/** A node whose metadata can be checked and repaired ({@code qemu-img check [-r leaks|all]}). */
public interface Checkable {

    /** Which classes of problems {@link #check} may repair. */
    enum Repair {
        NONE,
        /** Leaked clusters only: safe, only frees what nothing references. */
        LEAKS,
        /** Leaks and corruptions, as far as the format can. */
        ALL
    }

    /**
     * Checks the image, repairing what {@code repair} allows. Problems found are counted in the
     * result, not thrown; an exception means the check itself could not be completed.
     *
     * @param report receives one line per problem, in qemu-img's wording ("Leaked cluster 5
     *               refcount=1 reference=0")
     */
    CheckResult check(Repair repair, java.util.function.Consumer<String> report) throws IOException;
}
