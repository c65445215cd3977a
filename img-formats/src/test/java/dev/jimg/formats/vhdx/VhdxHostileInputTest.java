package dev.jimg.formats.vhdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.vpc.TestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged and hostile VHDX images fail with a message naming the problem, without large allocations. */
class VhdxHostileInputTest {
    private static final long BAT_OFFSET = 2L << 20;
    private static final long METADATA_OFFSET = 3L << 20;
    private static final long ITEMS = METADATA_OFFSET + 64 * 1024;

    @TempDir
    Path dir;

    private Path image;

    @BeforeEach
    void createImageWithTwoBlocks() throws IOException {
        image = dir.resolve("h.vhdx");
        Images.create("vhdx", image, 64L << 20, Map.of("block_size", "1M"));
        try (BlockNode node = Images.open(image, "vhdx")) {
            node.write(0, ByteBuffer.wrap(TestImages.filled(4096, 1)));
            node.write(1 << 20, ByteBuffer.wrap(TestImages.filled(4096, 2)));
        }
    }

    private String openError() {
        return assertThrows(ImageException.class, () -> {
            try (BlockNode n = Images.open(image, "vhdx",
                    OpenOptions.readOnlyDefaults())) {
                n.size();
            }
        }).getMessage();
    }

    private void putLong(long offset, long value) throws IOException {
        put(offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    private void putInt(long offset, int value) throws IOException {
        put(offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }

    private void put(long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    private long batEntry(int index) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(BAT_OFFSET + index * 8L);
            return Long.reverseBytes(f.readLong());
        }
    }

    /** Rewrites a header's checksummed 4 KiB after changing the u64 at {@code field}. */
    private void patchHeader(long headerOffset, int field, long value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            byte[] h = new byte[4096];
            f.seek(headerOffset);
            f.readFully(h);
            ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putLong(field, value);
            VhdxHeader.Checksums.store(h, 4);
            f.seek(headerOffset);
            f.write(h);
        }
    }

    @Test
    void bothHeadersDamagedMeansNoValidHeader() throws IOException {
        put(VhdxHeader.HEADER1_OFFSET + 100, new byte[] {1});
        put(VhdxHeader.HEADER2_OFFSET + 100, new byte[] {1});
        assertEquals("No valid VHDX header found", openError());
    }

    @Test
    void oneDamagedHeaderIsSurvived() throws IOException {
        put(VhdxHeader.HEADER1_OFFSET + 100, new byte[] {1});
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals(64L << 20, node.size());
        }
    }

    @Test
    void damagedRegionTablesAreRefused() throws IOException {
        put(RegionTable.OFFSET + 40, new byte[] {7});
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals(64L << 20, node.size(), "the copy is used");
        }
        put(RegionTable.COPY_OFFSET + 40, new byte[] {7});
        assertEquals("VHDX region table checksum is wrong", openError());
    }

    @Test
    void batEntryPastTheEndOfTheFileMeansTruncation() throws IOException {
        putLong(BAT_OFFSET + 8, (1L << 40) | Bat.PAYLOAD_FULLY_PRESENT);
        assertTrue(openError().contains("points after end of file"));
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(f.length() - 4096);
        }
        String message = openError();
        assertTrue(message.contains("end offset") && message.contains("truncated"), message);
    }

    @Test
    void batEntryPointingAtTheMetadataIsRefused() throws IOException {
        putLong(BAT_OFFSET + 8, METADATA_OFFSET | Bat.PAYLOAD_FULLY_PRESENT);
        assertTrue(openError().contains("overlaps the region"));
    }

    @Test
    void twoBlocksAtOneOffsetAreRefused() throws IOException {
        putLong(BAT_OFFSET + 8, batEntry(0));
        assertTrue(openError().contains("two blocks at offset"));
    }

    @Test
    void impossibleBlockSizeIsRefused() throws IOException {
        putInt(ITEMS, 3 << 20);
        assertTrue(openError().contains("block size 3145728"));
    }

    @Test
    void absurdVirtualSizeIsRefusedBeforeTheBatIsAllocated() throws IOException {
        putLong(ITEMS + 8, 1L << 60);
        assertTrue(openError().contains("virtual disk size"));
        putLong(ITEMS + 8, 64L << 40);
        assertTrue(openError().contains("BAT region of"), "64 TiB of 1 MiB blocks need a larger BAT");
    }

    @Test
    void metadataItemOutsideItsRegionIsRefused() throws IOException {
        putInt(METADATA_OFFSET + 32 + 16, 0x7FFFFFF0);
        assertTrue(openError().contains("lies outside the metadata region"));
    }

    @Test
    void hugeLogIsRefusedWithoutReadingIt() throws IOException {
        for (long h : new long[] {VhdxHeader.HEADER1_OFFSET, VhdxHeader.HEADER2_OFFSET}) {
            patchHeader(h, 48, 0x0123456789ABCDEFL); // a log GUID: the log may be active
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                byte[] hb = new byte[4096];
                f.seek(h);
                f.readFully(hb);
                ByteBuffer.wrap(hb).order(ByteOrder.LITTLE_ENDIAN).putInt(68, 0xFFF00000);
                VhdxHeader.Checksums.store(hb, 4);
                f.seek(h);
                f.write(hb);
            }
        }
        assertTrue(openError().contains("larger than"));
    }

    @Test
    void logBeyondTheFileIsRefused() throws IOException {
        for (long h : new long[] {VhdxHeader.HEADER1_OFFSET, VhdxHeader.HEADER2_OFFSET}) {
            patchHeader(h, 48, 0x0123456789ABCDEFL);
            patchHeader(h, 72, 1L << 40);
        }
        assertTrue(openError().contains("extends beyond the end of the file"));
    }
}
