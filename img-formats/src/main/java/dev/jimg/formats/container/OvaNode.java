package dev.jimg.formats.container;

import dev.jimg.block.BlockNode;
import dev.jimg.block.FilterNode;
import dev.jimg.block.FormatRegistry;
import dev.jimg.block.FormatSpecific;
import dev.jimg.block.ImageOpener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An open OVA: the chosen disk, seen through its own format driver, plus the list of every disk
 * for {@code info}. Format name {@code ova}; the format-specific block lists the disks
 * ({@code index}, {@code name}, {@code format} as probed, {@code size} in the archive and the
 * OVF's {@code capacity}), the {@code disk} chosen, and that disk's own format-specific block.
 */
final class OvaNode extends FilterNode implements FormatSpecific {
    private final BlockNode archive;
    private final String filename;
    private final List<OvaDriver.Member> disks;
    private final int chosen;
    private final Supplier<FormatRegistry> registry;

    OvaNode(BlockNode disk, BlockNode archive, String filename, List<OvaDriver.Member> disks, int chosen,
            Supplier<FormatRegistry> registry) {
        super(disk);
        this.archive = archive;
        this.filename = filename;
        this.disks = List.copyOf(disks);
        this.chosen = chosen;
        this.registry = registry;
    }

    @Override
    public String formatName() {
        return OvaDriver.NAME;
    }

    @Override
    public String filename() {
        return filename;
    }

    @Override
    public Optional<BlockNode> file() {
        return Optional.of(archive);
    }

    @Override
    public long allocatedBytes() throws IOException {
        return archive.allocatedBytes();
    }

    @Override
    public String formatSpecificType() {
        return OvaDriver.NAME;
    }

    @Override
    public Map<String, Object> formatSpecificData() {
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            OvaDriver.Member m = disks.get(i);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("index", (long) i);
            d.put("name", m.name());
            d.put("format", probeFormat(m));
            d.put("size", m.size());
            if (m.declaredCapacity() >= 0) {
                d.put("capacity", m.declaredCapacity());
            }
            list.add(d);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("disks", list);
        data.put("disk", (long) chosen);
        Optional<FormatSpecific> diskSpecific = inner.capability(FormatSpecific.class);
        if (diskSpecific.isPresent()) {
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("type", diskSpecific.get().formatSpecificType());
            fs.put("data", diskSpecific.get().formatSpecificData());
            data.put("disk-format-specific", fs);
        }
        return data;
    }

    /** The format a member probes as, from its first and last bytes only. */
    private String probeFormat(OvaDriver.Member m) {
        try (WindowNode w = new WindowNode(archive, m.offset(), m.size(), filename + "/" + m.name())) {
            return registry.get().probe(ImageOpener.probeInput(w)).driver().name();
        } catch (IOException e) {
            throw new UncheckedIOException(filename + ": cannot read member '" + m.name() + "'", e);
        }
    }

    /** Closes the disk, then the archive it was read from. */
    @Override
    public void close() throws IOException {
        try {
            inner.close();
        } finally {
            archive.close();
        }
    }
}
