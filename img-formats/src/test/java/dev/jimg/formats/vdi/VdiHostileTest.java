package dev.jimg.formats.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged and crafted VDI files end in precise errors, never in huge allocations or wrong data. */
class VdiHostileTest {
    private static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    private Path image() throws IOException {
        Path img = dir.resolve("h.vdi");
        Images.create("vdi", img, 4 * MiB, Map.of());
        try (BlockNode node = Images.open(img, "vdi")) {
            node.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        return img;
    }

    private static void poke32(Path img, long offset, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).flip(), offset);
        }
    }

    private static String openFails(Path img, Class<? extends ImageException> type) {
        ImageException e = assertThrows(type, () -> Images.openReadOnly(img).close());
        return e.getMessage();
    }

    @Test
    void truncatedHeaderIsReported() throws IOException {
        Path img = image();
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.truncate(300);
        }
        ImageException e = assertThrows(CorruptImageException.class, () -> Images.open(img, "vdi").close());
        assertTrue(e.getMessage().contains("VDI header is truncated"), e.getMessage());
    }

    @Test
    void blockMapBeyondTheFileIsRefusedWithoutAllocatingIt() throws IOException {
        Path img = image();
        poke32(img, 0x180, 0x10000000); // blocks_in_image: a 1 GiB map in a 1 MiB file
        poke32(img, 0x158, 0x40000200); // offset_data past that map
        ByteBuffer size = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x10000000L * MiB).flip();
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(size, 0x170);
        }
        String m = openFails(img, CorruptImageException.class);
        assertTrue(m.contains("extends past the end of the file"), m);
    }

    @Test
    void absurdDiskSizeIsRefused() throws IOException {
        Path img = image();
        ByteBuffer size = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).flip();
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(size, 0x170);
        }
        String m = openFails(img, CorruptImageException.class);
        assertTrue(m.contains("disk_size"), m);
    }

    @Test
    void blockPointingOutsideTheFileFailsOnReadAndRefusesWrites() throws IOException {
        Path img = image();
        VdiInteropTest.patchMapEntry(img, 1, 500);
        try (BlockNode node = Images.open(img, "vdi")) {
            CorruptImageException e = assertThrows(CorruptImageException.class,
                    () -> node.read(MiB, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("past the end of the file"), e.getMessage());
            CorruptImageException w = assertThrows(CorruptImageException.class,
                    () -> node.write(3L * MiB, ByteBuffer.allocate(512)));
            assertTrue(w.getMessage().contains("damaged"), w.getMessage());
        }
    }

    @Test
    void blocksSharingADataBlockRefuseEvenWritesInPlace() throws IOException {
        // Found by fuzzing: a write to one block changed the other, which shares its data block.
        Path img = image();
        VdiInteropTest.patchMapEntry(img, 1, 0);
        try (BlockNode node = Images.open(img, "vdi")) {
            CorruptImageException w = assertThrows(CorruptImageException.class,
                    () -> node.write(0, ByteBuffer.allocate(512)));
            assertTrue(w.getMessage().contains("share data block"), w.getMessage());
            ByteBuffer b = ByteBuffer.allocate(3);
            node.read(MiB, b);
            assertArrayEquals(new byte[] {1, 2, 3}, b.array(), "reads still see the shared data");
        }
    }

    @Test
    void unknownImageTypeAndBadSignatureAreReported() throws IOException {
        Path img = image();
        poke32(img, 0x4c, 9);
        assertTrue(openFails(img, CorruptImageException.class).contains("image_type"));
        Path other = dir.resolve("not.vdi");
        Files.write(other, new byte[4096]);
        ImageException e = assertThrows(ImageException.class, () -> Images.open(other, "vdi").close());
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
    }

    @Test
    void overlappingMapAndDataAreReported() throws IOException {
        Path img = image();
        poke32(img, 0x158, 0x200);
        assertTrue(openFails(img, CorruptImageException.class).contains("overlaps the block map"));
    }
}
