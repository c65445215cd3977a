package dev.jimg.formats.vpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged and hostile VHDs fail with a clear message and without large allocations. */
class VpcHostileInputTest {
    private static final long BAT_OFFSET = 1536;

    @TempDir
    Path dir;

    private Path image;

    @BeforeEach
    void createDynamicImageWithOneBlock() throws IOException {
        image = dir.resolve("d.vhd");
        Images.create("vpc", image, 16L << 20, Map.of());
        try (BlockNode node = Images.open(image, "vpc")) {
            node.write(0, ByteBuffer.wrap(TestImages.filled(4096, 0x5a)));
        }
    }

    private String openError() {
        ImageException e = assertThrows(ImageException.class, () -> {
            try (BlockNode n = Images.open(image, "vpc", OpenOptions.readOnlyDefaults())) {
                n.size();
            }
        });
        return e.getMessage();
    }

    private void poke(long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    private void pokeInt(long offset, int value) throws IOException {
        poke(offset, ByteBuffer.allocate(4).putInt(value).array());
    }

    /** Rewrites the footer copy at offset 0 with a correct checksum after {@code change}. */
    private void changeFooter(int fieldOffset, byte[] value) throws IOException {
        byte[] footer = new byte[512];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.readFully(footer);
            System.arraycopy(value, 0, footer, fieldOffset, value.length);
            ByteBuffer.wrap(footer).putInt(64, 0);
            ByteBuffer.wrap(footer).putInt(64, (int) VhdFooter.checksum(footer));
            f.seek(0);
            f.write(footer);
        }
    }

    @Test
    void truncatedImageIsReportedAsTruncated() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(f.length() - (1 << 20));
        }
        assertTrue(openError().contains("The image has been truncated"));
    }

    @Test
    void batEntryPointingOutsideTheFileIsRefused() throws IOException {
        pokeInt(BAT_OFFSET + 4, 0x7FFFFFF0);
        assertTrue(openError().contains("free_data_block_offset points after the end of file"));
    }

    @Test
    void batEntryPointingIntoTheMetadataIsRefused() throws IOException {
        pokeInt(BAT_OFFSET + 4, 1); // block at offset 512: over the dynamic header
        String message = openError();
        assertTrue(message.contains("BAT entry 1") && message.contains("metadata"), message);
    }

    @Test
    void badFooterChecksumFailsAsInQemu() throws IOException {
        poke(70, new byte[] {1, 2, 3});
        assertEquals("Incorrect header checksum", openError());
    }

    @Test
    void absurdTableSizeFailsBeforeAnyAllocation() throws IOException {
        pokeInt(512 + 28, 0x40000001);
        pokeInt(512 + 32, 512);
        assertEquals("Max Table Entries too large (1073741825)", openError());
    }

    @Test
    void tableLargerThanTheFileIsRefused() throws IOException {
        pokeInt(512 + 28, 0x1000000);
        String message = openError();
        assertTrue(message.contains("extends beyond the end of the file"), message);
    }

    @Test
    void blockSizeMustBeAPowerOfTwo() throws IOException {
        pokeInt(512 + 32, 3 << 20);
        assertEquals("Invalid block size 3145728", openError());
    }

    @Test
    void dynamicHeaderOutsideTheFileIsRefused() throws IOException {
        changeFooter(16, ByteBuffer.allocate(8).putLong(-2).array());
        assertTrue(openError().startsWith("Error reading dynamic VHD header"));
    }

    @Test
    void absurdVirtualSizeIsRefused() throws IOException {
        changeFooter(28, "win ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        changeFooter(48, ByteBuffer.allocate(8).putLong(Long.MAX_VALUE & ~511).array());
        assertEquals("File too large", openError());
    }

    @Test
    void aFileWithoutFooterIsNotAVhd() throws IOException {
        Files.write(image, new byte[100]);
        assertEquals("File too small for a VHD header", openError());
        Files.write(image, new byte[4096]);
        assertEquals("invalid VPC image", openError());
    }

    @Test
    void truncatedFixedImageIsRefused() throws IOException {
        Path fixed = dir.resolve("f.vhd");
        Images.create("vpc", fixed, 8L << 20, Map.of("subformat", "fixed"));
        byte[] all = Files.readAllBytes(fixed);
        byte[] footer = java.util.Arrays.copyOfRange(all, all.length - 512, all.length);
        byte[] cut = new byte[4096 + 512];
        System.arraycopy(footer, 0, cut, 4096, 512);
        Files.write(fixed, cut);
        CorruptImageException e = assertThrows(CorruptImageException.class,
                () -> Images.open(fixed, "vpc", OpenOptions.readOnlyDefaults()));
        assertTrue(e.getMessage().contains("Fixed VHD is truncated"), e.getMessage());
    }
}
