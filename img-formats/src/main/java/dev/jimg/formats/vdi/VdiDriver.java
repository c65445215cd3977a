package dev.jimg.formats.vdi;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.OptionSpec;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The VirtualBox VDI format ({@code vdi}): dynamic and static images as qemu-img handles them,
 * plus differencing images (snapshot disks), which qemu-img refuses and jimg opens as a chain.
 */
public final class VdiDriver implements FormatDriver {
    public static final String NAME = "vdi";

    static final String OPT_STATIC = "static";

    private static final OptionSpec STATIC = OptionSpec.bool(OPT_STATIC, "VDI static (pre-allocated) image", "off");
    private static final OptionSpec PREALLOCATION = OptionSpec.choice(CommonOptions.PREALLOCATION,
            "Preallocation mode (allowed values: off, falloc, full)", null, "off", "falloc", "full");
    private static final OptionSpec BACKING_FMT = OptionSpec.choice(CommonOptions.BACKING_FMT,
            "Must be 'vdi' if present: the parent of a differencing image", null, "vdi");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ProbeInput input) {
        return VdiHeader.hasSignature(input.head()) ? 100 : 0;
    }

    @Override
    public List<OptionSpec> createOptions() {
        return List.of(CommonOptions.SIZE_SPEC, STATIC, PREALLOCATION, CommonOptions.BACKING_FILE_SPEC, BACKING_FMT);
    }

    @Override
    public boolean supportsCreate() {
        return true;
    }

    /** Differencing images name their parent, though only by UUID; see {@link ParentLocator}. */
    @Override
    public boolean supportsBacking() {
        return true;
    }

    @Override
    public BlockNode open(OpenContext context) throws IOException {
        context.rejectUnknownOptions(Set.of());
        BlockNode file = context.file();
        long fileSize = file.size();
        if (fileSize < VdiHeader.SIZE) {
            throw new CorruptImageException(context.filename(), "VDI header is truncated: the file has only "
                    + fileSize + " bytes");
        }
        ByteBuffer head = ByteBuffer.allocate(VdiHeader.SIZE);
        file.read(0, head);
        VdiHeader header = VdiHeader.parse(head.array());
        long mapBytes = header.blocksInImage * 4;
        if (header.offsetBmap + mapBytes > fileSize) {
            throw new CorruptImageException(context.filename(), "VDI block map of " + header.blocksInImage
                    + " entries at offset " + header.offsetBmap + " extends past the end of the file ("
                    + fileSize + " bytes)");
        }
        ByteBuffer stored = ByteBuffer.allocate((int) mapBytes);
        file.read(header.offsetBmap, stored);
        BlockMap map = BlockMap.decode(stored.flip(), (int) header.blocksInImage);
        VdiStore store = new VdiStore(file, context.filename(), header, map);
        if (!context.options().readOnly()) {
            store.recoverInterruptedAllocation();
        }

        BlockNode backing = null;
        BackingReference reference = null;
        if (header.isDifferencing()) {
            OpenOptions options = context.options();
            ParentLocator.Found parent = ParentLocator.find(context.path(), context.filename(), header.uuidLink,
                    options.allowExternalPaths());
            reference = new BackingReference(parent.relativeName(), context.fullBackingName(parent.relativeName()),
                    Optional.of(NAME));
            if (!options.noBacking()) {
                backing = context.openBacking(reference);
            }
        }
        return new VdiNode(file, store, context.options().readOnly(), backing, reference);
    }

    @Override
    public void create(CreateRequest request) throws IOException {
        VdiCreator.create(request);
    }
}
