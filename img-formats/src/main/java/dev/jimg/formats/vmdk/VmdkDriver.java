package dev.jimg.formats.vmdk;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.OptionSpec;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * VMware's VMDK ({@code vmdk}): a text descriptor naming extents, or a sparse file with the
 * descriptor embedded. Every file a descriptor names is opened through
 * {@link OpenContext#openRelatedFile}, which keeps it inside the descriptor's directory unless the
 * user allows external paths — unlike qemu-img 7.2, which follows any path a descriptor gives.
 */
public final class VmdkDriver implements FormatDriver {
    public static final String NAME = "vmdk";

    /** The createType values jimg opens from a separate descriptor file. */
    private static final Set<String> DESCRIPTOR_TYPES = Set.of("monolithicFlat", "monolithicSparse",
            "twoGbMaxExtentSparse", "twoGbMaxExtentFlat", "streamOptimized", "vmfs", "vmfsSparse", "vmfsThin",
            "vmfsPreallocated", "vmfsEagerZeroedThick", "seSparse", "custom");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ProbeInput input) {
        byte[] head = input.head();
        if (SparseHeader.hasMagic(head) || CowdExtent.hasMagic(head)) {
            return 100;
        }
        return Descriptor.looksLikeDescriptor(head) ? 100 : 0;
    }

    @Override
    public List<OptionSpec> createOptions() {
        return VmdkCreator.OPTIONS;
    }

    @Override
    public boolean supportsCreate() {
        return true;
    }

    @Override
    public boolean supportsBacking() {
        return true;
    }

    /** streamOptimized images offer compressed writes ({@code convert -c}); other subformats refuse them. */
    @Override
    public boolean supportsCompression() {
        return true;
    }

    @Override
    public void create(CreateRequest request) throws IOException {
        VmdkCreator.create(request);
    }

    @Override
    public BlockNode open(OpenContext context) throws IOException {
        context.rejectUnknownOptions(Set.of());
        BlockNode file = context.file();
        long fileSize = file.size();
        ByteBuffer headBuf = ByteBuffer.allocate((int) Math.min(SparseHeader.SIZE, fileSize));
        file.read(0, headBuf);
        byte[] head = headBuf.array();
        boolean readOnly = context.options().readOnly();
        if (SparseHeader.hasMagic(head) || CowdExtent.hasMagic(head)) {
            return openSparseFile(context, file, head, readOnly);
        }
        if (fileSize > Descriptor.MAX_BYTES) {
            throw new ImageException(context.filename(), "Not a VMDK image: no sparse header, and at " + fileSize
                    + " bytes too large for a descriptor");
        }
        ByteBuffer text = ByteBuffer.allocate((int) fileSize);
        file.read(0, text);
        Descriptor d = Descriptor.parse(text.array(), context.filename());
        return openDescriptor(context, file, d, readOnly);
    }

    /** A monolithicSparse or streamOptimized file (or one extent file opened directly). */
    private BlockNode openSparseFile(OpenContext context, BlockNode file, byte[] head, boolean readOnly)
            throws IOException {
        if (CowdExtent.hasMagic(head)) {
            SparseHeader h = CowdExtent.header(padded(head));
            SparseExtent e = CowdExtent.open(file, padded(head), h.capacity, "");
            Descriptor d = synthetic("vmfsSparse", h.capacity, file.filename());
            return new VmdkNode(context.filename(), file, true, x -> {
                throw new NotSupportedException(context.filename(), "vmfsSparse extents are read-only in jimg");
            }, d, List.of(e), true, null, null);
        }
        SparseHeader header = SparseHeader.parse(padded(head), "VMDK sparse header");
        SparseExtent extent = openSparseExtent(file, header, header.capacity, "", readOnly);
        Descriptor embedded = embeddedDescriptor(file, header);
        Descriptor d = embedded != null ? embedded
                : synthetic(header.compressed() ? "streamOptimized" : "monolithicSparse", header.capacity,
                        file.filename());
        if (!readOnly && header.compressed() && isEmpty(extent)) {
            if (Long.compareUnsigned(header.overhead, file.size() / 512) > 0) {
                // The stream restarts at the overhead: beyond the file, it would grow the file to there.
                throw new CorruptImageException(context.filename(), "VMDK stream overhead of "
                        + Long.toUnsignedString(header.overhead) + " sectors lies beyond the end of the file ("
                        + file.size() + " bytes)");
            }
            extent.startStream(new StreamWriter(file, header));
        }
        VmdkNode.DescriptorStore store = desc -> writeEmbedded(file, header, desc);
        return withBacking(context, d, backing -> new VmdkNode(context.filename(), file, true, store, d,
                List.of(extent), readOnly, backing.node, backing.reference));
    }

    private static byte[] padded(byte[] head) {
        return head.length >= SparseHeader.SIZE ? head : java.util.Arrays.copyOf(head, SparseHeader.SIZE);
    }

    private static boolean isEmpty(SparseExtent e) throws IOException {
        for (int t = 0; t < e.directory().entries(); t++) {
            int[] table = e.directory().tableCopy(t);
            if (table == null) {
                continue;
            }
            for (int v : table) {
                if (v != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Opens a sparse extent, reading the footer when the header leaves the grain directory's
     * place to it (streamOptimized images written front to back).
     */
    static SparseExtent openSparseExtent(BlockNode file, SparseHeader header, long sectors, String format,
            boolean readOnly) throws IOException {
        SparseHeader h = header;
        if (h.gdOffset == SparseHeader.GD_AT_END) {
            h = footer(file);
        }
        GrainDirectory gd = GrainDirectory.load(file, file.filename(), h, h.gdOffset);
        return new SparseExtent(file, h, gd, sectors, format, readOnly);
    }

    /** The footer: a footer marker, a header copy with the real GD offset, an end-of-stream marker. */
    private static SparseHeader footer(BlockNode file) throws IOException {
        long size = file.size();
        if (size < 3 * 512 + SparseHeader.SIZE) {
            throw new CorruptImageException(file.filename(), "VMDK stream is truncated: the header says the grain"
                    + " directory is in the footer, but the file has only " + size + " bytes");
        }
        ByteBuffer tail = ByteBuffer.allocate(3 * 512).order(ByteOrder.LITTLE_ENDIAN);
        file.read(size - 3 * 512, tail);
        if (tail.getInt(12) != Marker.FOOTER || tail.getInt(8) != 0 || tail.getInt(2 * 512 + 12) != Marker.EOS
                || tail.getInt(2 * 512 + 8) != 0) {
            throw new CorruptImageException(file.filename(), "Invalid footer: the VMDK stream does not end with a"
                    + " footer marker, footer and end-of-stream marker");
        }
        byte[] footer = java.util.Arrays.copyOfRange(tail.array(), 512, 1024);
        SparseHeader h = SparseHeader.parse(footer, "VMDK footer");
        if (h.gdOffset == SparseHeader.GD_AT_END) {
            throw new CorruptImageException(file.filename(), "Invalid footer: it does not give the grain directory's"
                    + " offset either");
        }
        return h;
    }

    private static Descriptor embeddedDescriptor(BlockNode file, SparseHeader header) throws IOException {
        if (header.descriptorOffset == 0 || header.descriptorSize == 0) {
            return null;
        }
        long fileSectors = file.size() / 512;
        // In sectors, unsigned: a crafted offset times 512 could wrap past the test into a write far away.
        if (Long.compareUnsigned(header.descriptorOffset, fileSectors) > 0
                || Long.compareUnsigned(header.descriptorSize, fileSectors - header.descriptorOffset) > 0) {
            throw new CorruptImageException(file.filename(), "VMDK embedded descriptor at sector "
                    + header.descriptorOffset + " runs past the end of the file");
        }
        ByteBuffer b = ByteBuffer.allocate((int) (header.descriptorSize * 512));
        file.read(header.descriptorOffset * 512, b);
        byte[] bytes = b.array();
        if (bytes[0] == 0) {
            return null; // an extent file of a split disk: the descriptor area is left empty
        }
        return Descriptor.parse(bytes, file.filename());
    }

    private static void writeEmbedded(BlockNode file, SparseHeader header, Descriptor d) throws IOException {
        byte[] text = VmdkNode.descriptorBytes(d);
        long room = header.descriptorSize * 512;
        if (header.descriptorOffset == 0 || text.length > room) {
            return; // nowhere to keep a new CID; qemu skips the update in this case too
        }
        ByteBuffer b = ByteBuffer.allocate((int) room);
        b.put(text);
        file.write(header.descriptorOffset * 512, b.clear());
    }

    private static Descriptor synthetic(String createType, long sectors, String name) {
        LinkedHashMap<String, String> h = new LinkedHashMap<>();
        h.put("version", "1");
        h.put("CID", "00000000");
        h.put("parentCID", "ffffffff");
        h.put("createType", createType);
        return new Descriptor(h, List.of(new Descriptor.ExtentLine("RW", sectors, "SPARSE", name, 0)),
                new LinkedHashMap<>());
    }

    private BlockNode openDescriptor(OpenContext context, BlockNode file, Descriptor d, boolean readOnly)
            throws IOException {
        String type = d.createType();
        if (!DESCRIPTOR_TYPES.contains(type)) {
            throw new NotSupportedException(context.filename(), "Unsupported image type '" + type + "'");
        }
        if (d.extents().isEmpty()) {
            throw new CorruptImageException(context.filename(), "The VMDK descriptor lists no extents");
        }
        List<VmdkExtent> extents = new ArrayList<>();
        try {
            for (Descriptor.ExtentLine line : d.extents()) {
                extents.add(openExtent(context, line, readOnly));
            }
            VmdkNode.DescriptorStore store = desc -> {
                byte[] text = VmdkNode.descriptorBytes(desc);
                file.resize(0);
                file.write(0, ByteBuffer.wrap(text));
            };
            return withBacking(context, d, backing -> new VmdkNode(context.filename(), file, false, store, d,
                    extents, readOnly, backing.node, backing.reference));
        } catch (IOException | RuntimeException e) {
            for (VmdkExtent x : extents) {
                try {
                    x.close();
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private VmdkExtent openExtent(OpenContext context, Descriptor.ExtentLine line, boolean readOnly)
            throws IOException {
        if (line.access().equals("NOACCESS")) {
            throw new NotSupportedException(context.filename(), "NOACCESS extents are not supported");
        }
        if (line.type().equals("ZERO")) {
            return new ZeroExtent(line.sectors(), context.filename());
        }
        boolean extentReadOnly = readOnly || line.access().equals("RDONLY");
        switch (line.type()) {
            case "FLAT", "VMFS", "VMFSRAW", "VMFSRDM" -> {
                BlockNode f = context.openRelatedFile(line.fileName(), !extentReadOnly);
                return new FlatExtent(f, line.sectors(), line.offset(), "FLAT", extentReadOnly);
            }
            case "SPARSE", "VMFSSPARSE" -> {
                BlockNode f = context.openRelatedFile(line.fileName(), !extentReadOnly);
                try {
                    ByteBuffer h = ByteBuffer.allocate(SparseHeader.SIZE);
                    f.read(0, h);
                    byte[] head = h.array();
                    if (CowdExtent.hasMagic(head)) {
                        return CowdExtent.open(f, head, line.sectors(), line.type());
                    }
                    SparseHeader header = SparseHeader.parse(head, "VMDK sparse header of " + f.filename());
                    return openSparseExtent(f, header, line.sectors(), line.type(), extentReadOnly);
                } catch (IOException | RuntimeException e) {
                    f.close();
                    throw e;
                }
            }
            case "SESPARSE" -> {
                BlockNode f = context.openRelatedFile(line.fileName(), false);
                try {
                    ByteBuffer h = ByteBuffer.allocate(SparseHeader.SIZE);
                    f.read(0, h);
                    if (!SeSparseExtent.hasMagic(h.array())) {
                        throw new CorruptImageException(f.filename(), "Not an seSparse extent: bad constant header"
                                + " magic");
                    }
                    return SeSparseExtent.open(f, h.array(), line.sectors());
                } catch (IOException | RuntimeException e) {
                    f.close();
                    throw e;
                }
            }
            default -> throw new NotSupportedException(context.filename(), "Unsupported VMDK extent type '"
                    + line.type() + "'");
        }
    }

    /** The parent named by the descriptor, kept inside the image's directory like extents are. */
    private record Backing(BlockNode node, BackingReference reference) {
    }

    @FunctionalInterface
    private interface NodeFactory {
        BlockNode make(Backing backing) throws IOException;
    }

    private static BlockNode withBacking(OpenContext context, Descriptor d, NodeFactory factory) throws IOException {
        Optional<String> hint = d.parentFileNameHint();
        if (d.parentCid() == Descriptor.NO_PARENT || hint.isEmpty()) {
            return factory.make(new Backing(null, null));
        }
        BackingReference ref = new BackingReference(hint.get(), context.fullBackingName(hint.get()),
                Optional.of(NAME));
        if (context.options().noBacking()) {
            return factory.make(new Backing(null, ref));
        }
        context.resolveRelated(hint.get());
        BlockNode parent = context.openBacking(ref);
        try {
            return factory.make(new Backing(parent, ref));
        } catch (IOException | RuntimeException e) {
            parent.close();
            throw e;
        }
    }
}
