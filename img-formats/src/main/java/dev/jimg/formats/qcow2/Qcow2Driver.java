package dev.jimg.formats.qcow2;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.MeasureRequest;
import dev.jimg.block.spi.Measurement;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.OptionSpec;
import dev.jimg.block.spi.ProbeInput;
import dev.jimg.block.util.Sizes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The qcow2 format driver: probing, opening (with backing chain and external data file),
 * creation and measurement. Everything an open image does lives in {@link Qcow2Node} and the
 * classes it delegates to.
 */
public final class Qcow2Driver implements FormatDriver {
    public static final String NAME = "qcow2";

    static final String OPT_COMPAT = "compat";
    static final String OPT_CLUSTER_SIZE = "cluster_size";
    static final String OPT_COMPRESSION_TYPE = "compression_type";
    static final String OPT_DATA_FILE = "data_file";
    static final String OPT_DATA_FILE_RAW = "data_file_raw";
    static final String OPT_ENCRYPTION = "encryption";
    static final String OPT_ENCRYPT_FORMAT = "encrypt.format";
    static final String OPT_EXTENDED_L2 = "extended_l2";
    static final String OPT_LAZY_REFCOUNTS = "lazy_refcounts";
    static final String OPT_REFCOUNT_BITS = "refcount_bits";

    /** QEMU's default L2 cache cap on Linux (DEFAULT_L2_CACHE_MAX_SIZE): 32 MiB. */
    static final long DEFAULT_L2_CACHE_BYTES = 32L << 20;
    /** QEMU keeps at least 4 clusters of refcount blocks cached (MIN_REFCOUNT_CACHE_SIZE). */
    static final int MIN_REFCOUNT_CACHE_CLUSTERS = 4;
    /**
     * The header bytes read first at open. The header, its extensions and the backing file name
     * all lie in the first cluster; most images have 64 KiB clusters, and reading the largest
     * possible cluster (2 MiB) every time cost ~10 ms of every open of a large image.
     */
    private static final int FIRST_HEADER_READ = 64 * 1024;

    static final Set<String> OPEN_OPTIONS = Set.of("l2-cache-size", "refcount-cache-size", "cache-size");

    private static final List<OptionSpec> CREATE_OPTIONS = List.of(
            CommonOptions.BACKING_FILE_SPEC,
            CommonOptions.BACKING_FMT_SPEC,
            OptionSpec.size(OPT_CLUSTER_SIZE, "qcow2 cluster size", "65536"),
            OptionSpec.choice(OPT_COMPAT, "Compatibility level (v2 [0.10] or v3 [1.1])", null,
                    "0.10", "v2", "1.1", "v3"),
            OptionSpec.choice(OPT_COMPRESSION_TYPE, "Compression method used for image cluster compression",
                    "zlib", "zlib", "zstd"),
            OptionSpec.string(OPT_DATA_FILE, "File name of an external data file"),
            OptionSpec.bool(OPT_DATA_FILE_RAW, "The external data file must stay valid as a raw image", "off"),
            OptionSpec.string("encrypt.cipher-alg", "Name of encryption cipher algorithm"),
            OptionSpec.string("encrypt.cipher-mode", "Name of encryption cipher mode"),
            OptionSpec.string(OPT_ENCRYPT_FORMAT, "Encrypt the image, format choices: 'aes', 'luks'"),
            OptionSpec.string("encrypt.hash-alg", "Name of encryption hash algorithm"),
            OptionSpec.string("encrypt.iter-time", "Time to spend in PBKDF in milliseconds"),
            OptionSpec.string("encrypt.ivgen-alg", "Name of IV generator algorithm"),
            OptionSpec.string("encrypt.ivgen-hash-alg", "Name of IV generator hash algorithm"),
            OptionSpec.string("encrypt.key-secret", "ID of secret providing qcow AES key or LUKS passphrase"),
            OptionSpec.bool(OPT_ENCRYPTION,
                    "Encrypt the image with format 'aes'. (Deprecated in favor of encrypt.format=aes)", "off"),
            OptionSpec.bool(OPT_EXTENDED_L2, "Extended L2 tables", "off"),
            OptionSpec.bool(OPT_LAZY_REFCOUNTS, "Postpone refcount updates", "off"),
            OptionSpec.choice(CommonOptions.PREALLOCATION,
                    "Preallocation mode (allowed values: off, metadata, falloc, full)", "off",
                    "off", "metadata", "falloc", "full"),
            OptionSpec.number(OPT_REFCOUNT_BITS, "Width of a reference count entry in bits", "16"),
            CommonOptions.SIZE_SPEC);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ProbeInput input) {
        long magic = input.headU32BE(0);
        long version = input.headU32BE(4);
        return magic == (Qcow2Header.MAGIC & 0xffffffffL) && version >= 2 ? 100 : 0;
    }

    @Override
    public List<OptionSpec> createOptions() {
        return CREATE_OPTIONS;
    }

    @Override
    public boolean supportsCreate() {
        return true;
    }

    @Override
    public boolean supportsCompression() {
        return true;
    }

    @Override
    public boolean supportsBacking() {
        return true;
    }

    // ---------------------------------------------------------------- open

    @Override
    public BlockNode open(OpenContext ctx) throws IOException {
        BlockNode file = ctx.file();
        boolean readOnly = ctx.options().readOnly();
        ctx.rejectUnknownOptions(OPEN_OPTIONS);
        Qcow2Header header = readHeader(file);
        Qcow2State s = new Qcow2State(ctx.filename(), file, readOnly, header);
        if (header.has(Qcow2Header.INCOMPAT_CORRUPT)) {
            // QEMU refuses a read-write open unless it is for check -r; jimg opens it but refuses
            // every write until check -r all has cleared the bit.
            s.markCorruptOnOpen();
        }
        BlockNode dataFile = null;
        BlockNode backing = null;
        try {
            int[] caches = cacheSizes(ctx, header);
            s.init(caches[0], caches[1]);
            SnapshotTable.read(s); // validates the table of a hostile image before anything trusts it
            if (header.has(Qcow2Header.INCOMPAT_DATA_FILE)) {
                if (header.dataFile() == null) {
                    throw new ImageException(ctx.filename(), "Missing data_file option for image with an external"
                            + " data file (the header names none)");
                }
                dataFile = ctx.openRelatedFile(header.dataFile(), !readOnly);
                s.setDataFile(dataFile);
            }
            BackingReference ref = null;
            if (header.backingFile() != null) {
                ref = new BackingReference(header.backingFile(), ctx.fullBackingName(header.backingFile()),
                        Optional.ofNullable(header.backingFormat()));
                if (!ctx.options().noBacking()) {
                    backing = ctx.openBacking(ref);
                }
            }
            Qcow2Node node = new Qcow2Node(s, ctx.filename(), backing, ref, dataFile != null);
            if (!readOnly) {
                prepareForWriting(s, node);
            }
            return node;
        } catch (IOException | RuntimeException e) {
            if (backing != null) {
                backing.close();
            }
            if (dataFile != null) {
                dataFile.close();
            }
            throw e;
        }
    }

    /**
     * Reads and parses the header: its first cluster, or the whole file if shorter. The parser
     * looks at nothing past the first cluster, so a hostile cluster size only decides how much
     * is read, never more than the largest valid cluster.
     */
    static Qcow2Header readHeader(BlockNode file) throws IOException {
        long fileSize = file.size();
        int n = (int) Math.min(fileSize, FIRST_HEADER_READ);
        if (n < Qcow2Header.V2_HEADER_LENGTH) {
            throw new ImageException("Image is not in qcow2 format (file of " + fileSize
                    + " bytes is too short for a qcow2 header)");
        }
        ByteBuffer head = ByteBuffer.allocate(n);
        file.read(0, head);
        int clusterBits = head.getInt(20);
        if (clusterBits > Integer.numberOfTrailingZeros(FIRST_HEADER_READ) && clusterBits <= Qcow2Header.MAX_CLUSTER_BITS
                && fileSize > n) {
            ByteBuffer cluster = ByteBuffer.allocate((int) Math.min(fileSize, 1L << clusterBits));
            file.read(0, cluster);
            head = cluster;
        }
        return Qcow2Header.parse(head.array(), fileSize);
    }

    /**
     * Cache sizes as QEMU sizes them by default: enough L2 table cache to map the whole image (up
     * to 32 MiB), a quarter of that for refcount blocks (at least four clusters); the
     * {@code l2-cache-size}, {@code refcount-cache-size} and {@code cache-size} options override.
     */
    private static int[] cacheSizes(OpenContext ctx, Qcow2Header h) {
        long cs = h.clusterSize();
        long l2Bytes = Math.min(DEFAULT_L2_CACHE_BYTES, Math.max(1, (long) h.l1Size()) * cs);
        long refBytes = Math.max(MIN_REFCOUNT_CACHE_CLUSTERS * cs, l2Bytes / 4);
        var opts = ctx.options().driverOptions();
        if (opts.containsKey("cache-size")) {
            long total = Sizes.parseOptionSize("cache-size", opts.get("cache-size"));
            l2Bytes = total * 4 / 5;
            refBytes = total - l2Bytes;
        }
        if (opts.containsKey("l2-cache-size")) {
            l2Bytes = Sizes.parseOptionSize("l2-cache-size", opts.get("l2-cache-size"));
        }
        if (opts.containsKey("refcount-cache-size")) {
            refBytes = Sizes.parseOptionSize("refcount-cache-size", opts.get("refcount-cache-size"));
        }
        long maxEntries = Integer.MAX_VALUE;
        return new int[] {(int) Math.min(maxEntries, Math.max(1, l2Bytes / cs)),
            (int) Math.min(maxEntries, Math.max(1, refBytes / cs))};
    }

    /**
     * What QEMU does when it opens an image read-write: repair an image left dirty by lazy
     * refcounts, and clear the autoclear bits of features jimg does not maintain (persistent
     * bitmaps), so QEMU knows their data may be stale after our writes.
     */
    private static void prepareForWriting(Qcow2State s, Qcow2Node node) throws IOException {
        Qcow2Header h = s.header();
        if (h.has(Qcow2Header.INCOMPAT_DIRTY) && s.corruptReason() == null) {
            node.check(dev.jimg.block.Checkable.Repair.ALL, line -> { });
            h = s.header();
            s.writeHeader(h.withIncompatible(h.incompatibleFeatures() & ~Qcow2Header.INCOMPAT_DIRTY));
            s.file().flush();
            h = s.header();
        }
        long keep = h.autoclearFeatures() & Qcow2Header.AUTOCLEAR_DATA_FILE_RAW;
        if (h.autoclearFeatures() != keep && s.corruptReason() == null) {
            s.writeHeader(h.withAutoclear(keep));
            s.file().flush();
        }
    }

    // ---------------------------------------------------------------- create and measure

    @Override
    public void create(CreateRequest request) throws IOException {
        Qcow2Creator.create(request);
    }

    @Override
    public Measurement measure(MeasureRequest request) throws IOException {
        return Qcow2Measure.measure(request);
    }

    /** QEMU's {@code path_combine} for names stored in the header. */
    static String combine(String base, String name) {
        return dev.jimg.block.ImageOpener.combine(base, name);
    }
}
