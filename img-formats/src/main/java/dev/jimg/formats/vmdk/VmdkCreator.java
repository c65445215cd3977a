package dev.jimg.formats.vmdk;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.spi.OptionSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * Creates VMDK disks in qemu-img 7.2's layouts and with its {@code -o} options. Extent files are
 * named from the image's own file name and live beside it, so a descriptor jimg writes never
 * points outside its directory.
 */
final class VmdkCreator {
    static final String OPT_SUBFORMAT = "subformat";
    static final String OPT_ADAPTER = "adapter_type";
    static final String OPT_COMPAT6 = "compat6";
    static final String OPT_HWVERSION = "hwversion";
    static final String OPT_TOOLSVERSION = "toolsversion";
    static final String OPT_ZEROED_GRAIN = "zeroed_grain";

    /** qemu's hwversion default, which means "not given". */
    static final String HWVERSION_UNDEFINED = "undefined";

    /**
     * In qemu's definition order, which its "Formatting" line follows; only compat6 and hwversion
     * carry defaults there, so only they are printed when not given.
     */
    static final List<OptionSpec> OPTIONS = List.of(
            CommonOptions.SIZE_SPEC,
            OptionSpec.choice(OPT_ADAPTER, "Virtual adapter type, can be one of ide (default), lsilogic, buslogic"
                    + " or legacyESX", null, "ide", "lsilogic", "buslogic", "legacyESX"),
            CommonOptions.BACKING_FILE_SPEC,
            OptionSpec.choice(CommonOptions.BACKING_FMT, "Must be 'vmdk' if present", null, "vmdk"),
            OptionSpec.bool(OPT_COMPAT6, "VMDK version 6 image", "off"),
            new OptionSpec(OPT_HWVERSION, OptionSpec.Type.STRING, "VMDK hardware version", HWVERSION_UNDEFINED,
                    List.of()),
            OptionSpec.string(OPT_TOOLSVERSION, "VMware guest tools version"),
            OptionSpec.choice(OPT_SUBFORMAT, "VMDK flat extent format, can be one of {monolithicSparse (default) |"
                    + " monolithicFlat | twoGbMaxExtentSparse | twoGbMaxExtentFlat | streamOptimized} ",
                    null, "monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
                    "streamOptimized"),
            OptionSpec.bool(OPT_ZEROED_GRAIN, "Enable efficient zero writes using the zeroed-grain GTE feature",
                    null));

    /** twoGbMaxExtent* split size, as qemu and VMware split. */
    static final long SPLIT_BYTES = 2L << 30;
    static final long GRAIN_SECTORS = 128;
    static final int GTES_PER_GT = 512;
    /** Sectors reserved for the embedded descriptor (10 KiB), as qemu reserves them. */
    static final long DESCRIPTOR_SECTORS = 20;
    static final String DEFAULT_TOOLS_VERSION = "2147483647";

    private static final SecureRandom RANDOM = new SecureRandom();

    private VmdkCreator() {
    }

    static void create(CreateRequest request) throws IOException {
        ImageOptions o = request.options();
        String sub = o.string(OPT_SUBFORMAT).orElse("monolithicSparse");
        String adapter = o.string(OPT_ADAPTER).orElse("ide");
        boolean compat6 = o.bool(OPT_COMPAT6, false);
        Optional<String> hw = o.string(OPT_HWVERSION).filter(v -> !v.equals(HWVERSION_UNDEFINED));
        if (compat6 && hw.isPresent()) {
            throw new ImageException(request.filename(), "compat6 cannot be enabled with hwversion set");
        }
        String hwVersion = hw.orElse(compat6 ? "6" : "4");
        boolean zeroedGrain = o.bool(OPT_ZEROED_GRAIN, false);
        long sectors = (request.size() + 511) / 512;
        Optional<String> backingFile = o.string(CommonOptions.BACKING_FILE);
        long parentCid = Descriptor.NO_PARENT;
        if (backingFile.isPresent()) {
            parentCid = parentCid(request, backingFile.get());
        }

        Path path = request.path();
        String base = path.getFileName().toString();
        int dot = base.lastIndexOf('.');
        String prefix = dot > 0 ? base.substring(0, dot) : base;
        String postfix = dot > 0 ? base.substring(dot) : "";

        LinkedHashMap<String, String> header = new LinkedHashMap<>();
        header.put("version", "1");
        header.put("CID", String.format("%08x", newCid()));
        header.put("parentCID", String.format("%08x", parentCid));
        header.put("createType", sub);
        backingFile.ifPresent(b -> header.put("parentFileNameHint", b));
        LinkedHashMap<String, String> ddb = new LinkedHashMap<>();
        int heads = adapter.equals("ide") ? 16 : 255;
        ddb.put("ddb.virtualHWVersion", hwVersion);
        ddb.put("ddb.geometry.cylinders", Long.toString(sectors / (heads * 63L)));
        ddb.put("ddb.geometry.heads", Integer.toString(heads));
        ddb.put("ddb.geometry.sectors", "63");
        ddb.put("ddb.adapterType", adapter);
        ddb.put("ddb.toolsVersion", o.string(OPT_TOOLSVERSION).orElse(DEFAULT_TOOLS_VERSION));

        List<Descriptor.ExtentLine> lines = new ArrayList<>();
        switch (sub) {
            case "monolithicSparse", "streamOptimized" -> {
                boolean stream = sub.equals("streamOptimized");
                lines.add(new Descriptor.ExtentLine("RW", sectors, "SPARSE", base, 0));
                Descriptor d = new Descriptor(header, lines, ddb);
                writeSparseExtent(path, request.filename(), sectors, stream, zeroedGrain, d);
            }
            case "twoGbMaxExtentSparse", "twoGbMaxExtentFlat", "monolithicFlat" -> {
                boolean flat = !sub.equals("twoGbMaxExtentSparse");
                long split = sub.equals("monolithicFlat") ? Long.MAX_VALUE : SPLIT_BYTES / 512;
                long done = 0;
                int index = 1;
                do {
                    long n = Math.min(split, sectors - done);
                    String name = sub.equals("monolithicFlat") ? prefix + "-flat" + postfix
                            : String.format("%s-%c%03d%s", prefix, flat ? 'f' : 's', index, postfix);
                    Path extentPath = path.resolveSibling(name);
                    if (flat) {
                        try (FileNode f = FileNode.create(extentPath, name)) {
                            f.resize(n * 512);
                        }
                        lines.add(new Descriptor.ExtentLine("RW", n, "FLAT", name, 0));
                    } else {
                        writeSparseExtent(extentPath, name, n, false, zeroedGrain, null);
                        lines.add(new Descriptor.ExtentLine("RW", n, "SPARSE", name, 0));
                    }
                    done += n;
                    index++;
                } while (done < sectors);
                Descriptor d = new Descriptor(header, lines, ddb);
                try (FileNode f = FileNode.create(path, request.filename())) {
                    f.write(0, ByteBuffer.wrap(d.render().getBytes(StandardCharsets.UTF_8)));
                }
            }
            default -> throw new ImageException(request.filename(), "Unknown subformat: " + sub);
        }
    }

    private static long newCid() {
        long cid;
        do {
            cid = RANDOM.nextInt() & 0xffffffffL;
        } while (cid == Descriptor.NO_PARENT);
        return cid;
    }

    private static long parentCid(CreateRequest request, String name) throws IOException {
        Path relativeTo = request.path().toAbsolutePath().getParent();
        try (BlockNode parent = request.opener().open(name, VmdkDriver.NAME, relativeTo,
                OpenOptions.readOnlyDefaults())) {
            Optional<VmdkNode> vmdk = parent.capability(VmdkNode.class);
            if (vmdk.isEmpty()) {
                throw new ImageException(request.filename(), "The backing file of a VMDK image must be a VMDK image");
            }
            return ((Number) vmdk.get().formatSpecificData().get("cid")).longValue();
        }
    }

    /**
     * One sparse extent file in qemu's layout: header, descriptor area, redundant GD and its
     * tables, GD and its tables, all tables preallocated, the first grain at a grain boundary.
     * A stream has no tables yet: its empty GD follows the overhead as the stream's trailer.
     */
    static void writeSparseExtent(Path path, String name, long sectors, boolean stream, boolean zeroedGrain,
            Descriptor descriptor) throws IOException {
        long grains = (sectors + GRAIN_SECTORS - 1) / GRAIN_SECTORS;
        long gtCount = (grains + GTES_PER_GT - 1) / GTES_PER_GT;
        long gtSectors = GTES_PER_GT * 4L / 512;
        long gdSectors = (gtCount * 4 + 511) / 512;
        long rgd = 1 + DESCRIPTOR_SECTORS;
        long gd = rgd + gdSectors + gtCount * gtSectors;
        long overhead = stream ? GRAIN_SECTORS
                : (gd + gdSectors + gtCount * gtSectors + GRAIN_SECTORS - 1) / GRAIN_SECTORS * GRAIN_SECTORS;
        int flags = SparseHeader.FLAG_NL_DETECT
                | (stream ? SparseHeader.FLAG_COMPRESSED | SparseHeader.FLAG_MARKERS : SparseHeader.FLAG_RGD)
                | (zeroedGrain ? SparseHeader.FLAG_ZERO_GRAIN : 0);
        int version = stream ? 3 : zeroedGrain ? 2 : 1;
        SparseHeader h = new SparseHeader(version, flags, sectors, GRAIN_SECTORS, 1, DESCRIPTOR_SECTORS, GTES_PER_GT,
                stream ? 0 : rgd, stream ? SparseHeader.GD_AT_END : gd, overhead,
                stream ? SparseHeader.COMPRESSION_DEFLATE : 0);
        try (FileNode f = FileNode.create(path, name)) {
            f.write(0, ByteBuffer.wrap(h.toBytes()));
            if (descriptor != null) {
                f.write(512, ByteBuffer.wrap(descriptor.render().getBytes(StandardCharsets.UTF_8)));
            }
            if (stream) {
                f.resize(overhead * 512);
                StreamWriter.writeTrailer(f, h, new int[(int) gtCount], overhead);
                return;
            }
            writeDirectory(f, rgd, gtCount, gtSectors, gdSectors);
            writeDirectory(f, gd, gtCount, gtSectors, gdSectors);
            f.resize(overhead * 512);
            f.flush();
        }
    }

    private static void writeDirectory(FileNode f, long gdSector, long gtCount, long gtSectors, long gdSectors)
            throws IOException {
        ByteBuffer dir = ByteBuffer.allocate((int) (gdSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
        long firstGt = gdSector + gdSectors;
        for (long i = 0; i < gtCount; i++) {
            dir.putInt((int) (firstGt + i * gtSectors));
        }
        f.write(gdSector * 512, dir.clear());
    }
}
