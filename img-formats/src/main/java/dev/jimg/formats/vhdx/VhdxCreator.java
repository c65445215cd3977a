package dev.jimg.formats.vhdx;

import dev.jimg.block.ImageException;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.util.Sizes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes new VHDX images laid out as QEMU 7.2 lays them out, with its option rules:
 *
 * <pre>
 * 0       file identifier ("vhdxfile", creator)     64 KiB  header 1    128 KiB header 2
 * 192 KiB region table                              256 KiB region table copy
 * 1 MiB   log (log_size)    then BAT, metadata (1 MiB), 4 MiB free, then data blocks
 * </pre>
 *
 * Dynamic images mark every block ZERO ({@code block_state_zero=on}, QEMU's non-standard default)
 * or NOT_PRESENT; fixed images have every block present, in order, in a sparse file.
 */
final class VhdxCreator {
    private static final long MiB = 1L << 20;
    private static final long GiB = 1L << 30;
    private static final long TiB = 1L << 40;
    private static final long DEFAULT_LOG_SIZE = MiB;
    /** QEMU leaves this much room between the metadata region and the first block. */
    private static final long GAP_BEFORE_DATA = 4 * MiB;
    private static final int LOGICAL_SECTOR = 512;
    private static final String CREATOR = "jimg";
    /** The file identifier: signature, then the creator in UTF-16 (at most 512 bytes). */
    private static final int SIGNATURE_AND_CREATOR = 8 + 512;

    private VhdxCreator() {
    }

    /** The validated numbers of a new image. */
    record Plan(long size, long logSize, long blockSize, boolean fixed, boolean zeroBlocks) {
    }

    static Plan plan(long requestedSize, ImageOptions options) {
        long size = Sizes.alignUp(requestedSize, LOGICAL_SECTOR);
        if (size > VhdxMetadata.MAX_VIRTUAL_SIZE) {
            throw new ImageException("Image size too large; max of 64TB");
        }
        long logSize = Sizes.alignUp(options.size(VhdxDriver.OPT_LOG_SIZE, DEFAULT_LOG_SIZE), MiB);
        if (logSize > 0xFFFFFFFFL) {
            throw new ImageException("Log size must be smaller than 4 GB");
        }
        if (logSize < MiB) {
            throw new ImageException("Log size must be a multiple of 1 MB");
        }
        long blockSize = Sizes.alignUp(options.size(VhdxDriver.OPT_BLOCK_SIZE, 0), MiB);
        if (blockSize == 0) {
            blockSize = size > 32 * TiB ? 64 * MiB : size > 100 * GiB ? 32 * MiB : size > GiB ? 16 * MiB : 8 * MiB;
        }
        blockSize = Math.min(blockSize, VhdxMetadata.MAX_BLOCK_SIZE);
        if (!Sizes.isPowerOfTwo(blockSize)) {
            throw new ImageException("Block size must be a power of two");
        }
        boolean fixed = options.string(VhdxDriver.OPT_SUBFORMAT).orElse("dynamic").equals("fixed");
        boolean zeroBlocks = options.bool(VhdxDriver.OPT_BLOCK_STATE_ZERO, true);
        return new Plan(size, logSize, blockSize, fixed, zeroBlocks);
    }

    static void create(CreateRequest request) throws IOException {
        Plan plan = plan(request.size(), request.options());
        long batOffset = Sizes.alignUp(VhdxOpener.HEADER_SECTION + plan.logSize(), MiB);
        long batLength = Sizes.alignUp(Bat.qemuEntryCount(plan.size(), plan.blockSize(), LOGICAL_SECTOR)
                * Bat.ENTRY_SIZE, MiB);
        long metadataOffset = batOffset + batLength;
        long dataOffset = metadataOffset + MiB + GAP_BEFORE_DATA;
        RegionTable regions = new RegionTable(new RegionTable.Region(batOffset, batLength),
                new RegionTable.Region(metadataOffset, MiB));
        VhdxMetadata meta = new VhdxMetadata(plan.blockSize(), plan.fixed(), false, plan.size(), LOGICAL_SECTOR,
                LOGICAL_SECTOR, Guid.random());
        try (FileNode file = FileNode.create(request.path(), request.filename())) {
            file.resize(dataOffset + (plan.fixed() ? plan.size() : 0));
            ByteBuffer id = ByteBuffer.allocate(SIGNATURE_AND_CREATOR).order(ByteOrder.LITTLE_ENDIAN);
            id.put(VhdxOpener.SIGNATURE).put(CREATOR.getBytes(StandardCharsets.UTF_16LE));
            file.write(0, id.flip());
            long sequence = ThreadLocalRandom.current().nextInt() & 0xFFFFFFFFL;
            VhdxHeader header = new VhdxHeader(sequence, Guid.random(), Guid.random(), Guid.ZERO, 0, 1, plan.logSize(),
                    VhdxOpener.HEADER_SECTION);
            file.write(VhdxHeader.HEADER1_OFFSET, ByteBuffer.wrap(header.toBytes()));
            file.write(VhdxHeader.HEADER2_OFFSET, ByteBuffer.wrap(header.withUpdate(sequence + 1,
                    header.fileWriteGuid(), header.dataWriteGuid(), Guid.ZERO).toBytes()));
            byte[] table = regions.toBytes();
            file.write(RegionTable.OFFSET, ByteBuffer.wrap(table));
            file.write(RegionTable.COPY_OFFSET, ByteBuffer.wrap(table));
            writeBat(file, plan, batOffset, dataOffset);
            file.write(metadataOffset, ByteBuffer.wrap(meta.toRegionBytes()));
            file.flush();
        }
    }

    /** The BAT's payload entries; sector bitmap entries stay zero (not present). */
    private static void writeBat(FileNode file, Plan plan, long batOffset, long dataOffset) throws IOException {
        int state = plan.fixed() ? Bat.PAYLOAD_FULLY_PRESENT : plan.zeroBlocks() ? Bat.PAYLOAD_ZERO
                : Bat.PAYLOAD_NOT_PRESENT;
        if (state == Bat.PAYLOAD_NOT_PRESENT) {
            return; // the new file already reads as zero
        }
        long blocks = Bat.payloadBlocks(plan.size(), plan.blockSize());
        long ratio = Bat.chunkRatio(plan.blockSize(), LOGICAL_SECTOR);
        ByteBuffer chunk = ByteBuffer.allocate((int) MiB).order(ByteOrder.LITTLE_ENDIAN);
        long chunkStart = 0; // BAT index of chunk's first entry
        for (long block = 0; block < blocks; block++) {
            long index = block + block / ratio;
            if ((index - chunkStart) * Bat.ENTRY_SIZE >= chunk.capacity()) {
                file.write(batOffset + chunkStart * Bat.ENTRY_SIZE, chunk.clear());
                chunk.put(0, new byte[chunk.capacity()]);
                chunkStart = index;
            }
            long offset = plan.fixed() ? Sizes.alignUp(dataOffset + block * plan.blockSize(), MiB) : 0;
            chunk.putLong((int) ((index - chunkStart) * Bat.ENTRY_SIZE), offset | state);
        }
        long used = blocks == 0 ? 0 : (blocks - 1) + (blocks - 1) / ratio + 1;
        int tail = (int) ((used - chunkStart) * Bat.ENTRY_SIZE);
        if (tail > 0) {
            file.write(batOffset + chunkStart * Bat.ENTRY_SIZE, chunk.clear().limit(tail));
        }
    }
}
