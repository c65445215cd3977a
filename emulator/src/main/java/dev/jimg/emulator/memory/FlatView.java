package dev.jimg.emulator.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An address space flattened for dispatch: the disjoint ranges where each leaf region is visible,
 * sorted by address, found by binary search after a check of the range that answered last (most
 * accesses in a row go to the same device or RAM). Immutable; a layout change builds a new view.
 */
public final class FlatView {
    private final long[] starts;
    private final FlatRange[] ranges;
    /** The index that answered last; a benign race between threads, every value is a valid index. */
    private int lastHit;

    private FlatView(List<FlatRange> list) {
        this.ranges = list.toArray(FlatRange[]::new);
        this.starts = new long[ranges.length];
        for (int i = 0; i < ranges.length; i++) {
            starts[i] = ranges[i].start();
        }
    }

    /** The range containing {@code address}, or {@code null} where nothing is mapped. */
    public FlatRange find(long address) {
        FlatRange[] rs = ranges;
        int hint = lastHit;
        if (hint < rs.length && rs[hint].contains(address)) {
            return rs[hint];
        }
        int lo = 0;
        int hi = starts.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= address) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (hi < 0 || !rs[hi].contains(address)) {
            return null;
        }
        lastHit = hi;
        return rs[hi];
    }

    /** All ranges in address order. */
    public List<FlatRange> ranges() {
        return List.of(ranges);
    }

    /** Renders the tree under {@code root} into its visible ranges. */
    static FlatView render(MemoryRegion root) {
        TreeMap<Long, FlatRange> claimed = new TreeMap<>();
        render(root, 0, 0, root.size(), claimed);
        return new FlatView(new ArrayList<>(claimed.values()));
    }

    /**
     * Paints {@code region}, whose offset 0 lies at {@code base}, into {@code [clipStart, clipEnd)}.
     * Regions are painted from most to least visible, so a leaf only fills what is still free.
     */
    private static void render(MemoryRegion region, long base, long clipStart, long clipEnd,
            TreeMap<Long, FlatRange> claimed) {
        if (!region.isEnabled()) {
            return;
        }
        long start = Math.max(base, clipStart);
        long end = Math.min(base + region.size(), clipEnd);
        if (start >= end) {
            return;
        }
        switch (region) {
            case ContainerRegion c -> {
                for (MemoryRegion sub : c.visibleOrder()) {
                    render(sub, base + sub.address(), start, end, claimed);
                }
            }
            case AliasRegion a -> render(a.target(), base - a.targetOffset(), start, end, claimed);
            case RamRegion r -> fillGaps(r, base, start, end, claimed);
            case MmioRegion m -> fillGaps(m, base, start, end, claimed);
        }
    }

    private static void fillGaps(MemoryRegion leaf, long base, long start, long end, TreeMap<Long, FlatRange> claimed) {
        long cursor = start;
        Map.Entry<Long, FlatRange> before = claimed.floorEntry(start);
        if (before != null && before.getValue().end() > cursor) {
            cursor = before.getValue().end();
        }
        while (cursor < end) {
            Map.Entry<Long, FlatRange> next = claimed.ceilingEntry(cursor);
            long gapEnd = next == null ? end : Math.min(end, next.getKey());
            if (gapEnd > cursor) {
                claimed.put(cursor, new FlatRange(cursor, gapEnd, leaf, cursor - base));
            }
            if (next == null) {
                break;
            }
            cursor = Math.max(cursor, next.getValue().end());
        }
    }
}
