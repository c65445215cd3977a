package dev.jimg.formats.vhdx;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.OpenContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Opening a VHDX: signature, headers, the log (replayed when the image is writable, refused as
 * QEMU refuses it when read-only), region table, metadata and BAT, each validated against the
 * file so that a damaged image fails with a message naming what is wrong.
 */
final class VhdxOpener {
    static final byte[] SIGNATURE = "vhdxfile".getBytes(StandardCharsets.US_ASCII);
    /** The header section: file identifier, two headers, two region tables. */
    static final long HEADER_SECTION = 1L << 20;

    private VhdxOpener() {
    }

    static BlockNode open(OpenContext context) throws IOException {
        BlockNode file = context.file();
        context.rejectUnknownOptions(Set.of());
        ByteBuffer sig = ByteBuffer.allocate(SIGNATURE.length);
        file.read(0, sig);
        if (!Arrays.equals(sig.array(), SIGNATURE)) {
            throw new ImageException(context.filename(), "Not a VHDX image: the file does not start with 'vhdxfile'");
        }
        HeaderPair headers = HeaderPair.read(file);
        VhdxHeader header = headers.current();
        if (header.logVersion() != 0) {
            throw new CorruptImageException("VHDX log version " + header.logVersion() + " is not supported");
        }
        if (header.logOffset() < HEADER_SECTION || header.logOffset() % HEADER_SECTION != 0) {
            throw new CorruptImageException("VHDX log offset " + Long.toUnsignedString(header.logOffset())
                    + " is not a multiple of 1 MiB past the header section");
        }
        boolean replayed = false;
        List<VhdxLog.Entry> log = VhdxLog.findActiveSequence(file, header);
        if (!log.isEmpty()) {
            if (file.isReadOnly()) {
                throw new ImageException(context.filename(), "VHDX image file '" + context.filename()
                        + "' opened read-only, but contains a log that needs to be replayed\n"
                        + "To replay the log, run:\njimg check -r all '" + context.filename() + "'");
            }
            VhdxLog.replay(file, log);
            headers.update(file, Guid.random(), null, Guid.ZERO);
            replayed = true;
        }
        RegionTable regions = readRegionTable(file);
        List<RegionTable.Region> reserved = new ArrayList<>();
        reserved.add(new RegionTable.Region(0, HEADER_SECTION));
        if (header.logLength() > 0) {
            reserved.add(new RegionTable.Region(header.logOffset(), header.logLength()));
        }
        reserved.add(regions.bat());
        reserved.add(regions.metadata());
        checkNoOverlaps(reserved);
        long fileSize = file.size();
        if (regions.bat().end() > fileSize || regions.metadata().fileOffset() >= fileSize) {
            throw new CorruptImageException("VHDX BAT or metadata region extends beyond the end of the file ("
                    + fileSize + " bytes): the image has been truncated");
        }
        VhdxMetadata meta = VhdxMetadata.read(file, regions.metadata());
        if (meta.hasParent()) {
            throw new NotSupportedException(context.filename(), "Differencing VHDX images are not supported");
        }
        Bat bat = Bat.read(file, regions.bat(), meta);
        checkBatEntries(file, bat, meta, reserved, message -> {
            throw new CorruptImageException(message);
        });
        return new VhdxNode(file, meta, bat, headers, reserved, replayed);
    }

    private static RegionTable readRegionTable(BlockNode file) throws IOException {
        try {
            return RegionTable.parse(read(file, RegionTable.OFFSET, RegionTable.SIZE));
        } catch (CorruptImageException first) {
            try {
                return RegionTable.parse(read(file, RegionTable.COPY_OFFSET, RegionTable.SIZE));
            } catch (CorruptImageException second) {
                throw first;
            }
        }
    }

    private static byte[] read(BlockNode file, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        file.read(offset, b);
        return b.array();
    }

    private static void checkNoOverlaps(List<RegionTable.Region> regions) {
        for (int i = 0; i < regions.size(); i++) {
            for (int j = i + 1; j < regions.size(); j++) {
                RegionTable.Region a = regions.get(i);
                RegionTable.Region b = regions.get(j);
                if (a.overlaps(b.fileOffset(), b.length())) {
                    throw new CorruptImageException("VHDX region " + a.fileOffset() + "-" + a.end()
                            + " overlaps with region " + b.fileOffset() + "-" + b.end());
                }
            }
        }
    }

    /**
     * Checks every present block: inside the file (a partial last block is allowed, QEMU wrote
     * such files), outside the metadata, not shared with another block. Each problem goes to
     * {@code report} in QEMU's wording where QEMU has one; returns how many were found.
     */
    static long checkBatEntries(BlockNode file, Bat bat, VhdxMetadata meta, List<RegionTable.Region> reserved,
            Consumer<String> report) throws IOException {
        long fileSize = file.size();
        long errors = 0;
        long[] offsets = new long[countPresent(bat)];
        int present = 0;
        for (long block = 0; block < bat.payloadBlocks(); block++) {
            long entry = bat.payload(block);
            int state = Bat.state(entry);
            if (state != Bat.PAYLOAD_FULLY_PRESENT && state != Bat.PAYLOAD_PARTIALLY_PRESENT) {
                continue;
            }
            long index = bat.indexOf(block);
            long offset = Bat.fileOffset(entry);
            long length = Math.min(meta.blockSize(), meta.virtualDiskSize() - block * meta.blockSize());
            if (offset >= fileSize) {
                errors++;
                report.accept("VHDX BAT entry " + index + " start offset " + offset + " points after end of file ("
                        + fileSize + "). Image has probably been truncated.");
                continue;
            }
            if (offset + length > fileSize) {
                errors++;
                report.accept("VHDX BAT entry " + index + " end offset " + (offset + length - 1)
                        + " points after end of file (" + fileSize + "). Image has probably been truncated.");
                continue;
            }
            for (RegionTable.Region r : reserved) {
                if (r.overlaps(offset, meta.blockSize())) {
                    errors++;
                    report.accept("VHDX BAT entry " + index + " at offset " + offset + " overlaps the region "
                            + r.fileOffset() + "-" + r.end() + " that holds the image's metadata");
                    break;
                }
            }
            offsets[present++] = offset;
        }
        return errors + reportSharedBlocks(Arrays.copyOf(offsets, present), report);
    }

    private static int countPresent(Bat bat) {
        int n = 0;
        for (long block = 0; block < bat.payloadBlocks(); block++) {
            int state = Bat.state(bat.payload(block));
            if (state == Bat.PAYLOAD_FULLY_PRESENT || state == Bat.PAYLOAD_PARTIALLY_PRESENT) {
                n++;
            }
        }
        return n;
    }

    private static long reportSharedBlocks(long[] offsets, Consumer<String> report) {
        Arrays.sort(offsets);
        long errors = 0;
        for (int i = 1; i < offsets.length; i++) {
            if (offsets[i] == offsets[i - 1]) {
                errors++;
                report.accept("VHDX BAT has two blocks at offset " + offsets[i]);
            }
        }
        return errors;
    }
}
