package dev.jimg.emulator.memory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node of the memory tree, after QEMU's {@code MemoryRegion} (docs/devel/memory.rst): RAM or ROM
 * backed by host memory ({@link RamRegion}), device registers ({@link MmioRegion}), a
 * {@link ContainerRegion} that places other regions at offsets, or an {@link AliasRegion} that shows
 * part of another region elsewhere.
 *
 * <p>A region belongs to at most one container. Its {@linkplain #address() address} and
 * {@linkplain #priority() priority} are relative to that container: where subregions overlap, the
 * higher priority is visible, and among equal priorities the one added last. Moving, enabling or
 * disabling a region re-renders every {@link AddressSpace} it is part of.
 */
public abstract sealed class MemoryRegion permits RamRegion, MmioRegion, ContainerRegion, AliasRegion {
    private final String name;
    private final long size;

    private ContainerRegion container;
    private long address;
    private int priority;
    private long insertion;
    private boolean enabled = true;
    /** Aliases showing this region: they render through it, so its layout changes are theirs too. */
    private final List<AliasRegion> aliases = new CopyOnWriteArrayList<>();

    protected MemoryRegion(String name, long size) {
        this.name = Objects.requireNonNull(name, "name");
        if (size <= 0) {
            throw new IllegalArgumentException("region " + name + " must have a positive size, not " + size);
        }
        this.size = size;
    }

    public final String name() {
        return name;
    }

    public final long size() {
        return size;
    }

    /** The offset of this region in its container. */
    public final long address() {
        return address;
    }

    public final int priority() {
        return priority;
    }

    public final boolean isEnabled() {
        return enabled;
    }

    /** The container this region is mapped into, or {@code null}. */
    public final ContainerRegion container() {
        return container;
    }

    /** Shows or hides the region (a PCI BAR whose decoding is switched off, say). */
    public final void setEnabled(boolean value) {
        if (enabled != value) {
            enabled = value;
            layoutChanged();
        }
    }

    /** Moves the region within its container. */
    public final void setAddress(long value) {
        if (address != value) {
            address = value;
            layoutChanged();
        }
    }

    final long insertion() {
        return insertion;
    }

    final void attach(ContainerRegion parent, long offset, int prio, long seq) {
        if (container != null) {
            throw new IllegalStateException("region " + name + " is already mapped in " + container.name());
        }
        container = parent;
        address = offset;
        priority = prio;
        insertion = seq;
    }

    final void detach() {
        container = null;
    }

    final void addAlias(AliasRegion alias) {
        aliases.add(alias);
    }

    /**
     * Tells the address spaces above this region that what they show has changed, including those
     * that see it only through an alias (a PCI memory space behind its host bridge's windows).
     */
    void layoutChanged() {
        if (container != null) {
            container.layoutChanged();
        }
        for (AliasRegion alias : aliases) {
            alias.layoutChanged();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", size 0x" + Long.toHexString(size) + "]";
    }
}
