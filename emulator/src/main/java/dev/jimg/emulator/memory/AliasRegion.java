package dev.jimg.emulator.memory;

/**
 * A window onto part of another region: {@code size} bytes of {@code target} starting at
 * {@code targetOffset}. Used to show the same RAM or registers at a second address, or a bus's
 * own address space through a window (a PCI host bridge's memory and I/O windows). Changes to the
 * target's layout re-render every address space the alias is part of.
 */
public final class AliasRegion extends MemoryRegion {
    private final MemoryRegion target;
    private final long targetOffset;

    public AliasRegion(String name, MemoryRegion target, long targetOffset, long size) {
        super(name, size);
        if (targetOffset < 0 || targetOffset > target.size() - size) {
            throw new IllegalArgumentException("alias " + name + " reaches past the end of " + target.name());
        }
        this.target = target;
        this.targetOffset = targetOffset;
        target.addAlias(this);
    }

    public MemoryRegion target() {
        return target;
    }

    public long targetOffset() {
        return targetOffset;
    }
}
