package dev.jimg.emulator.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskImagesTest {

    private static final byte[] TEXT = "some text\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void ext4ImageHoldsTheGivenFiles() throws IOException {
        Path image = dir.resolve("fs.raw");
        byte[] big = GuestPattern.bytes(1, 0, 200_000);

        DiskImages.ext4(image, 8 << 20, Map.of("/a.txt", TEXT, "/deep/er/b.bin", big));

        assertEquals(8 << 20, Files.size(image));
        assertArrayEquals(TEXT, DiskImages.readExt4File(image, "/a.txt"));
        assertArrayEquals(big, DiskImages.readExt4File(image, "/deep/er/b.bin"));
    }

    @Test
    void gptDiskCarriesTheFileSystemAtThePartitionOffset() throws IOException {
        Path fs = dir.resolve("fs.raw");
        Path disk = dir.resolve("disk.raw");
        DiskImages.ext4(fs, 4 << 20, Map.of("/a.txt", TEXT));

        DiskImages.gpt(disk, 8 << 20, fs);

        assertArrayEquals(TEXT, DiskImages.readExt4File(disk, DiskImages.PARTITION_OFFSET, "/a.txt"));
        byte[] header = new byte[8];
        try (RandomAccessFile raf = new RandomAccessFile(disk.toFile(), "r")) {
            raf.seek(512); // LBA 1: the primary GPT header
            raf.readFully(header);
        }
        assertEquals("EFI PART", new String(header, StandardCharsets.US_ASCII));
    }

    @Test
    void readingAFileTheImageLacksNamesIt() throws IOException {
        Path image = dir.resolve("fs.raw");
        DiskImages.ext4(image, 4 << 20, Map.of("/a.txt", TEXT));

        IOException e = assertThrows(IOException.class, () -> DiskImages.readExt4File(image, "/missing.txt"));
        assertTrue(e.getMessage().contains("/missing.txt"), e.getMessage());
    }

    @Test
    void aPartitionThatDoesNotFitIsRefused() throws IOException {
        Path fs = dir.resolve("fs.raw");
        DiskImages.ext4(fs, 4 << 20, Map.of());

        assertThrows(IllegalArgumentException.class, () -> DiskImages.gpt(dir.resolve("disk.raw"), 4 << 20, fs));
    }
}
