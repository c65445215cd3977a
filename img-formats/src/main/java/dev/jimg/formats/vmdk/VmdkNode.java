package dev.jimg.formats.vmdk;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.Extent;
import dev.jimg.block.FormatSpecific;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.BackingReads;
import dev.jimg.block.spi.RequestChecks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * An open VMDK disk: its descriptor and the extents it lists, laid end to end in guest order,
 * and the parent disk named by {@code parentFileNameHint}, if any.
 */
final class VmdkNode implements BlockNode, FormatSpecific, Checkable, CompressedWrites {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where the descriptor lives, so that a new CID can be written back. */
    interface DescriptorStore {
        void write(Descriptor descriptor) throws IOException;
    }

    private final String filename;
    private final BlockNode descriptorFile;
    private final boolean descriptorFileIsExtent;
    private final DescriptorStore store;
    private volatile Descriptor descriptor;
    private final List<VmdkExtent> extents;
    private final long[] starts;
    private final long size;
    private final boolean readOnly;
    private final BlockNode backing;
    private final BackingReference backingReference;
    private volatile boolean cidUpdated;

    VmdkNode(String filename, BlockNode descriptorFile, boolean descriptorFileIsExtent, DescriptorStore store,
            Descriptor descriptor, List<VmdkExtent> extents, boolean readOnly, BlockNode backing,
            BackingReference backingReference) {
        this.filename = filename;
        this.descriptorFile = descriptorFile;
        this.descriptorFileIsExtent = descriptorFileIsExtent;
        this.store = store;
        this.descriptor = descriptor;
        this.extents = List.copyOf(extents);
        this.starts = new long[extents.size() + 1];
        long pos = 0;
        for (int i = 0; i < extents.size(); i++) {
            starts[i] = pos;
            pos = Math.addExact(pos, Math.multiplyExact(extents.get(i).sectors(), 512));
        }
        starts[extents.size()] = pos;
        this.size = pos;
        this.readOnly = readOnly;
        this.backing = backing;
        this.backingReference = backingReference;
    }

    @Override
    public String formatName() {
        return VmdkDriver.NAME;
    }

    @Override
    public String filename() {
        return filename;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public Optional<BlockNode> file() {
        return Optional.of(descriptorFile);
    }

    @Override
    public Optional<BlockNode> backing() {
        return Optional.ofNullable(backing);
    }

    @Override
    public Optional<BackingReference> backingReference() {
        return Optional.ofNullable(backingReference);
    }

    @Override
    public boolean supportsBacking() {
        return true;
    }

    /** qemu reports the first extent's grain size; flat disks have none. */
    @Override
    public OptionalInt clusterSize() {
        long g = extents.isEmpty() ? 0 : extents.get(0).grainBytes();
        return g > 0 ? OptionalInt.of((int) g) : OptionalInt.empty();
    }

    @Override
    public long allocatedBytes() throws IOException {
        long total = 0;
        boolean countedDescriptor = false;
        for (VmdkExtent e : extents) {
            if (e instanceof ZeroExtent) {
                continue;
            }
            total += e.file().allocatedBytes();
            countedDescriptor |= e.file() == descriptorFile;
        }
        return countedDescriptor ? total : total + descriptorFile.allocatedBytes();
    }

    @Override
    public boolean hasZeroInit() {
        return backing == null && extents.stream().allMatch(e -> e instanceof SparseExtent);
    }

    private int extentIndex(long offset) {
        int lo = 0;
        int hi = extents.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        while (dst.hasRemaining()) {
            int i = extentIndex(offset);
            long rel = offset - starts[i];
            int n = (int) Math.min(dst.remaining(), starts[i + 1] - offset);
            ByteBuffer chunk = dst.slice(dst.position(), n);
            VmdkExtent e = extents.get(i);
            if (backing != null && e instanceof SparseExtent) {
                readSparseWithBacking(e, starts[i], rel, chunk);
            } else {
                e.read(rel, chunk);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    /** Unallocated grains of a child read through to the parent. */
    private void readSparseWithBacking(VmdkExtent e, long start, long rel, ByteBuffer chunk) throws IOException {
        long pos = rel;
        while (chunk.hasRemaining()) {
            Extent status = e.status(pos, chunk.remaining());
            int n = (int) status.length();
            ByteBuffer part = chunk.slice(chunk.position(), n);
            if (status.isAllocated()) {
                e.read(pos, part);
            } else {
                readBacking(start + pos, part);
            }
            chunk.position(chunk.position() + n);
            pos += n;
        }
    }

    private void readBacking(long offset, ByteBuffer dst) throws IOException {
        BackingReads.read(backing, offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        checkWritable();
        checkRange(offset, src.remaining());
        updateCid();
        while (src.hasRemaining()) {
            int i = extentIndex(offset);
            long start = starts[i];
            int n = (int) Math.min(src.remaining(), starts[i + 1] - offset);
            extents.get(i).write(offset - start, src.slice(src.position(), n), (o, d) -> readBacking(start + o, d));
            src.position(src.position() + n);
            offset += n;
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(offset, length);
        updateCid();
        long end = offset + length;
        while (offset < end) {
            int i = extentIndex(offset);
            long start = starts[i];
            long n = Math.min(end - offset, starts[i + 1] - offset);
            extents.get(i).writeZeroes(offset - start, n, mayUnmap, (o, d) -> readBacking(start + o, d));
            offset += n;
        }
    }

    /** qemu's VMDK driver has no discard; neither do we, which the block API allows. */
    @Override
    public void discard(long offset, long length) {
        checkWritable();
        checkRange(offset, length);
    }

    @Override
    public void flush() throws IOException {
        for (VmdkExtent e : extents) {
            e.flush();
        }
        if (!descriptorFileIsExtent) {
            descriptorFile.flush();
        }
    }

    @Override
    public void resize(long newSize) {
        throw NotSupportedException.byFormat(VmdkDriver.NAME, "resizing");
    }

    @Override
    public Extent blockStatus(long offset, long length) throws IOException {
        long len = RequestChecks.statusLength(filename, offset, length, size);
        int i = extentIndex(offset);
        long start = starts[i];
        long n = Math.min(len, starts[i + 1] - offset);
        Extent e = extents.get(i).status(offset - start, n);
        return new Extent(e.offset() + start, e.length(), e.flags(), e.hostOffset(), e.hostFile(), 0);
    }

    /** qemu changes the CID on the first write, so that children can tell their parent changed. */
    private void updateCid() throws IOException {
        if (cidUpdated) {
            return;
        }
        synchronized (this) {
            if (!cidUpdated) {
                long cid;
                do {
                    cid = RANDOM.nextInt() & 0xffffffffL;
                } while (cid == Descriptor.NO_PARENT);
                Descriptor d = descriptor.withCid(cid);
                store.write(d);
                descriptor = d;
                cidUpdated = true;
            }
        }
    }

    @Override
    public String formatSpecificType() {
        return VmdkDriver.NAME;
    }

    @Override
    public Map<String, Object> formatSpecificData() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cid", descriptor.cid());
        m.put("parent-cid", descriptor.parentCid());
        m.put("create-type", descriptor.createType());
        List<Map<String, Object>> list = new ArrayList<>();
        for (VmdkExtent e : extents) {
            list.add(e.info());
        }
        m.put("extents", list);
        return m;
    }

    @Override
    public CheckResult check(Repair repair, Consumer<String> report) throws IOException {
        if (repair != Repair.NONE) {
            throw new NotSupportedException(filename, "VMDK images cannot be repaired; 'check' only reports");
        }
        for (int i = 0; i < extents.size(); i++) {
            if (extents.get(i).check(starts[i], report) > 0) {
                // qemu stops at the first bad grain and fails the check ("Check failed"), exit code 1.
                return new CheckResult(1, 0, 1, 0, 0, -1, -1, -1, -1, -1);
            }
        }
        return CheckResult.clean();
    }

    /** Only a streamOptimized image being written offers compressed writes. */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        if (type == CompressedWrites.class && streamExtent() == null) {
            return Optional.empty();
        }
        return BlockNode.super.capability(type);
    }

    private StreamWriter streamExtent() {
        if (extents.size() == 1 && extents.get(0) instanceof SparseExtent s) {
            return s.stream();
        }
        return null;
    }

    @Override
    public int compressionUnit() {
        return (int) extents.get(0).grainBytes();
    }

    /** A short last unit (the image ends inside a grain) is padded with zeroes to a whole grain. */
    @Override
    public byte[] compress(ByteBuffer unit) {
        int grain = compressionUnit();
        if (unit.remaining() < grain) {
            ByteBuffer full = ByteBuffer.allocate(grain);
            full.put(unit.duplicate()).clear();
            return StreamWriter.compress(full);
        }
        return StreamWriter.compress(unit);
    }

    @Override
    public void writeCompressed(long offset, byte[] compressed) throws IOException {
        StreamWriter s = streamExtent();
        if (s == null) {
            throw NotSupportedException.byFormat(VmdkDriver.NAME, "compressed writes to this subformat");
        }
        checkWritable();
        checkRange(offset, Math.min(compressionUnit(), size - offset));
        updateCid();
        s.writeCompressed(offset, compressed);
    }

    @Override
    public void close() throws IOException {
        List<java.io.Closeable> owned = new ArrayList<>(extents);
        if (!descriptorFileIsExtent) {
            owned.add(descriptorFile);
        }
        if (backing != null) {
            owned.add(backing);
        }
        Exception first = null;
        for (java.io.Closeable c : owned) {
            try {
                c.close();
            } catch (IOException | RuntimeException ex) {
                if (first == null) {
                    first = ex;
                } else {
                    first.addSuppressed(ex);
                }
            }
        }
        if (first instanceof IOException io) {
            throw io;
        }
        if (first instanceof RuntimeException re) {
            throw re;
        }
    }

    private void checkWritable() {
        RequestChecks.checkWritable(filename, readOnly);
    }

    private void checkRange(long offset, long length) {
        RequestChecks.checkRange(filename, offset, length, size);
    }

    static byte[] descriptorBytes(Descriptor d) {
        return d.render().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "vmdk:" + filename;
    }
}
