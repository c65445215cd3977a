package dev.jimg.emulator.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A region that only places others: the system bus, a PCI memory window. Where it has no
 * subregion, accesses find nothing (a bus error).
 */
public final class ContainerRegion extends MemoryRegion {
    /** Visible order: higher priority first, then the most recently added first, as QEMU. */
    static final Comparator<MemoryRegion> VISIBILITY = Comparator.comparingInt(MemoryRegion::priority).reversed()
            .thenComparing(Comparator.comparingLong(MemoryRegion::insertion).reversed());

    private final List<MemoryRegion> subregions = new ArrayList<>();
    private final List<AddressSpace> spaces = new CopyOnWriteArrayList<>();
    private long nextInsertion;

    public ContainerRegion(String name, long size) {
        super(name, size);
    }

    /** Maps {@code region} at {@code offset} with priority 0. */
    public void addSubregion(long offset, MemoryRegion region) {
        addSubregion(offset, region, 0);
    }

    /** Maps {@code region} at {@code offset}; where it overlaps others, the higher priority shows. */
    public void addSubregion(long offset, MemoryRegion region, int priority) {
        if (region == this) {
            throw new IllegalArgumentException("a container cannot contain itself");
        }
        if (offset < 0 || offset > size() - region.size()) {
            throw new IllegalArgumentException("region " + region.name() + " (size 0x" + Long.toHexString(region.size())
                    + ") does not fit at 0x" + Long.toHexString(offset) + " in " + name());
        }
        synchronized (this) {
            region.attach(this, offset, priority, nextInsertion++);
            subregions.add(region);
        }
        layoutChanged();
    }

    public void removeSubregion(MemoryRegion region) {
        synchronized (this) {
            if (!subregions.remove(region)) {
                throw new IllegalArgumentException("region " + region.name() + " is not mapped in " + name());
            }
            region.detach();
        }
        layoutChanged();
    }

    /** The subregions in the order they are visible (first wins). */
    synchronized List<MemoryRegion> visibleOrder() {
        List<MemoryRegion> sorted = new ArrayList<>(subregions);
        sorted.sort(VISIBILITY);
        return sorted;
    }

    void addSpace(AddressSpace space) {
        spaces.add(space);
    }

    @Override
    void layoutChanged() {
        for (AddressSpace space : spaces) {
            space.rebuild();
        }
        super.layoutChanged();
    }
}
