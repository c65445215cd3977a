package dev.jimg.formats.container;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.FormatRegistry;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * OVA appliances (a tar of an OVF descriptor, the disks and a manifest), and tar archives of disk
 * images generally: the disks are read in place, without extracting them. Which members are
 * disks: those the OVF's {@code DiskSection} declares, in its order; without an OVF, every
 * member but descriptors, manifests and certificates. The open option {@code disk=<name or
 * index>} chooses one (default: the first); {@code info} lists them all.
 *
 * <p>Probed by the tar magic "ustar" at offset 257. Read-only.
 */
public final class OvaDriver implements FormatDriver {
    public static final String NAME = "ova";
    /** The open option choosing the disk, by member name or by index in the list. */
    public static final String OPT_DISK = "disk";

    private static final byte[] USTAR = "ustar".getBytes(StandardCharsets.US_ASCII);
    private static final int USTAR_OFFSET = 257;
    private static final int MAGIC_PROBE_SCORE = 100;

    private final Supplier<FormatRegistry> registry;

    /** @param registry the drivers that open the disks inside */
    public OvaDriver(Supplier<FormatRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ProbeInput input) {
        return input.headMatches(USTAR_OFFSET, USTAR) ? MAGIC_PROBE_SCORE : 0;
    }

    /** A disk member: where its bytes lie in the archive. */
    record Member(String name, long offset, long size, long declaredCapacity) {
    }

    @Override
    public BlockNode open(OpenContext context) throws IOException {
        if (!context.options().readOnly()) {
            throw new ImageException(context.filename(),
                    "OVA and tar archives can only be opened read-only (as a source to convert, info, compare, map)");
        }
        BlockNode archive = context.file();
        List<Member> disks = disks(context, archive);
        long archiveSize = archive.size();
        for (Member m : disks) {
            if (m.offset() < 0 || m.size() < 0 || m.offset() > archiveSize - m.size()) {
                throw new CorruptImageException(context.filename(), "Member '" + m.name() + "' of " + m.size()
                        + " bytes at offset " + m.offset() + " extends beyond the end of the archive ("
                        + archiveSize + " bytes): the archive is truncated");
            }
        }
        if (disks.isEmpty()) {
            throw new ImageException(context.filename(), "The archive holds no disk image");
        }
        int chosen = choose(context, disks);
        Member m = disks.get(chosen);
        String name = context.filename() + "/" + m.name();
        BlockNode window = new WindowNode(archive, m.offset(), m.size(), name);
        BlockNode disk = InnerImage.open(context, window, name, registry, false, OPT_DISK);
        return new OvaNode(disk, archive, context.filename(), disks, chosen, registry);
    }

    private static int choose(OpenContext context, List<Member> disks) {
        String wanted = context.options().driverOptions().get(OPT_DISK);
        if (wanted == null) {
            return 0;
        }
        for (int i = 0; i < disks.size(); i++) {
            if (disks.get(i).name().equals(wanted)) {
                return i;
            }
        }
        try {
            int index = Integer.parseInt(wanted);
            if (index >= 0 && index < disks.size()) {
                return index;
            }
        } catch (NumberFormatException e) {
            // not an index either: fall through to the error naming the disks
        }
        List<String> names = disks.stream().map(Member::name).toList();
        throw new ImageException(context.filename(), "No disk '" + wanted + "' in the archive; it holds "
                + disks.size() + ": " + String.join(", ", names) + " (choose by name or index from 0)");
    }

    private static List<Member> disks(OpenContext context, BlockNode archive) throws IOException {
        Map<String, TarArchiveEntry> members = new LinkedHashMap<>();
        String ovf = null;
        byte[] descriptor = null;
        try (TarFile tar = new TarFile(BlockNodeInput.channel(archive))) {
            for (TarArchiveEntry e : tar.getEntries()) {
                if (!e.isFile()) {
                    continue;
                }
                members.put(e.getName(), e);
                if (ovf == null && e.getName().toLowerCase(Locale.ROOT).endsWith(".ovf")) {
                    ovf = e.getName();
                    if (e.getSize() > OvfDescriptor.MAX_SIZE) {
                        throw new CorruptImageException("OVF descriptor '" + ovf + "' is " + e.getSize()
                                + " bytes, more than " + OvfDescriptor.MAX_SIZE);
                    }
                    try (InputStream in = tar.getInputStream(e)) {
                        descriptor = in.readNBytes((int) e.getSize());
                    }
                }
            }
        } catch (IOException e) {
            throw new CorruptImageException(context.filename(), "Not a readable tar archive: " + e.getMessage(), e);
        }
        List<Member> out = new ArrayList<>();
        if (descriptor != null) {
            for (OvfDescriptor.Disk d : OvfDescriptor.disks(descriptor, ovf)) {
                TarArchiveEntry e = members.get(d.href());
                if (e == null) {
                    throw new NotSupportedException(context.filename(), "Disk '" + d.href()
                            + "' named by the OVF descriptor is not in the archive (chunked disks are not supported)");
                }
                out.add(member(context, e, d.capacity()));
            }
        } else {
            for (TarArchiveEntry e : members.values()) {
                String lower = e.getName().toLowerCase(Locale.ROOT);
                if (!lower.endsWith(".mf") && !lower.endsWith(".cert")) {
                    out.add(member(context, e, -1));
                }
            }
        }
        return out;
    }

    private static Member member(OpenContext context, TarArchiveEntry e, long capacity) {
        if (e.isSparse()) {
            throw new NotSupportedException(context.filename(), "Sparse tar member '" + e.getName()
                    + "' cannot be read in place");
        }
        return new Member(e.getName(), e.getDataOffset(), e.getSize(), capacity);
    }
}
