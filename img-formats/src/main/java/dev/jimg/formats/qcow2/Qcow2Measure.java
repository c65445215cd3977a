package dev.jimg.formats.qcow2;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Extent;
import dev.jimg.block.spi.MeasureRequest;
import dev.jimg.block.spi.Measurement;
import java.io.IOException;

/** {@code qemu-img measure -O qcow2}, with QEMU's formulas ({@code qcow2_measure}, {@code qcow2_calc_prealloc_size}). */
final class Qcow2Measure {
    private Qcow2Measure() {
    }

    static Measurement measure(MeasureRequest request) throws IOException {
        CreateOptions o = CreateOptions.parse(request.options());
        long cs = o.clusterSize();
        long virtualSize;
        long required;
        long bitmaps = -1;
        if (request.source().isPresent()) {
            BlockNode src = request.source().get();
            long ssize = src.size();
            virtualSize = Limits.alignUp(ssize, cs);
            required = o.backingFile() != null ? virtualSize : allocatedInSource(src, ssize, cs);
            if (o.version() >= 3 && src.formatName().equals(Qcow2Driver.NAME)) {
                bitmaps = 0;
            }
        } else {
            virtualSize = Limits.alignUp(request.size(), cs);
            required = 0;
        }
        o.checkSize(virtualSize);
        if (o.preallocation().equals("full") || o.preallocation().equals("falloc")) {
            required = virtualSize;
        }
        long fully = preallocSize(virtualSize, cs, o.refcountOrder(), o.extendedL2());
        return new Measurement(fully - virtualSize + required, fully, bitmaps);
    }

    /** Bytes of whole clusters holding data in the source chain (zero ranges are skipped). */
    private static long allocatedInSource(BlockNode src, long ssize, long cs) throws IOException {
        long required = 0;
        long offset = 0;
        while (offset < ssize) {
            Extent e = ChainStatus.of(src, offset, ssize - offset);
            long pnum = e.length();
            if (e.isZero()) {
                // skipped: safe without a backing file
            } else if (e.isData() && e.isAllocated()) {
                pnum = Limits.alignUp(offset + pnum, cs) - offset;
                required += offset % cs + pnum;
            }
            offset += pnum;
        }
        return required;
    }

    /** QEMU's {@code qcow2_calc_prealloc_size}: every cluster and all metadata for them. */
    static long preallocSize(long totalSize, long cs, int refcountOrder, boolean extendedL2) {
        long l2e = extendedL2 ? 16 : 8;
        long aligned = Limits.alignUp(totalSize, cs);
        long meta = cs;
        long nl2e = aligned / cs;
        nl2e = Limits.alignUp(nl2e, cs / l2e);
        meta += nl2e * l2e;
        long nl1e = nl2e * l2e / cs;
        nl1e = Limits.alignUp(nl1e, cs / 8);
        meta += nl1e * 8;
        meta += refcountMetadataSize((meta + aligned) / cs, cs, refcountOrder, false);
        return meta + aligned;
    }

    /**
     * QEMU's {@code qcow2_refcount_metadata_size}: refcount blocks and table clusters needed for
     * {@code clusters} clusters plus themselves (a fixed point).
     */
    static long refcountMetadataSize(long clusters, long cs, int refcountOrder, boolean generousIncrease) {
        long blocksPerTableCluster = cs / 8;
        long refcountsPerBlock = cs * 8 / (1L << refcountOrder);
        long table = 0;
        long blocks = 0;
        long last;
        long n = 0;
        boolean generous = generousIncrease;
        do {
            last = n;
            blocks = Limits.divCeil(clusters + table + blocks, refcountsPerBlock);
            table = Limits.divCeil(blocks, blocksPerTableCluster);
            n = clusters + blocks + table;
            if (n == last && generous) {
                clusters += Limits.divCeil(table, 2);
                n = 0;
                generous = false;
            }
        } while (n != last);
        return (blocks + table) * cs;
    }
}
