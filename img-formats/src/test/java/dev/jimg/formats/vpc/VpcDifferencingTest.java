package dev.jimg.formats.vpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differencing VHDs (Hyper-V snapshots), which qemu-img reads as if they had no parent: built here
 * by turning a dynamic disk into a child of another, with a Windows-relative parent locator.
 */
class VpcDifferencingTest {
    private static final long SIZE = 8L << 20;
    private static final int HALF_BITMAP_SECTORS = 64;

    @TempDir
    Path dir;


    @Test
    void readsAbsentBlocksAndClearSectorsFromTheParent() throws IOException {
        Path parent = create("parent.vhd");
        try (BlockNode p = Images.open(parent, "vpc")) {
            p.write(0, ByteBuffer.wrap(TestImages.filled((int) p.size(), 0xAA)));
        }
        Path child = makeChild("child.vhd", ".\\parent.vhd");
        try (BlockNode c = Images.openReadOnly(child)) {
            assertEquals("parent.vhd", c.backingReference().orElseThrow().name());
            byte[] all = new byte[(int) c.size()];
            c.read(0, ByteBuffer.wrap(all));
            byte[] expected = TestImages.filled(all.length, 0xAA);
            Arrays.fill(expected, 0, HALF_BITMAP_SECTORS * 512, (byte) 0xBB);
            assertArrayEquals(expected, all);

            assertEquals(Extent.data(0, HALF_BITMAP_SECTORS * 512, 2048 + 512, child.toString()),
                    c.blockStatus(0, c.size()));
            assertEquals(Extent.unallocated(HALF_BITMAP_SECTORS * 512, (2 << 20) - HALF_BITMAP_SECTORS * 512),
                    c.blockStatus(HALF_BITMAP_SECTORS * 512, c.size()));
            Extent third = ChainStatus.of(c, 4 << 20, 1 << 20);
            assertEquals(1, third.depth(), "data from the parent");
        }
    }

    @Test
    void differencingDisksOpenOnlyReadOnly() throws IOException {
        create("parent.vhd");
        Path child = makeChild("child.vhd", ".\\parent.vhd");
        assertThrows(NotSupportedException.class, () -> Images.open(child, "vpc"));
    }

    @Test
    void parentOutsideTheImageDirectoryIsRefused() throws IOException {
        Path child = makeChild("child.vhd", "..\\secret.vhd");
        ImageException e = assertThrows(ImageException.class, () -> Images.openReadOnly(child));
        assertTrue(e.getMessage().contains("outside the image's directory"), e.getMessage());
        OpenOptions noBacking = OpenOptions.builder().readOnly(true).noBacking(true).build();
        try (BlockNode c = Images.open(child, null, noBacking)) {
            assertEquals("../secret.vhd", c.backingReference().orElseThrow().name(), "info still names it");
        }
    }

    private Path create(String name) throws IOException {
        Path p = dir.resolve(name);
        Images.create("vpc", p, SIZE, Map.of());
        return p;
    }

    /**
     * A dynamic disk whose first block holds 0xBB in its first half-bitmap of sectors, turned into
     * a differencing disk naming {@code locator}. Layout: footer copy, header, BAT at 1536 (one
     * sector), block 0 at 2048, the locator's data after the block, then the footer.
     */
    private Path makeChild(String name, String locator) throws IOException {
        Path child = create(name);
        try (BlockNode c = Images.open(child, "vpc")) {
            c.write(0, ByteBuffer.wrap(TestImages.filled(64 * 1024, 0xBB)));
        }
        try (RandomAccessFile f = new RandomAccessFile(child.toFile(), "rw")) {
            byte[] bitmap = new byte[512];
            Arrays.fill(bitmap, 0, HALF_BITMAP_SECTORS / 8, (byte) 0xFF);
            f.seek(2048);
            f.write(bitmap);
            long blockEnd = 2048 + 512 + (2L << 20);
            byte[] footer = new byte[512];
            f.seek(blockEnd);
            f.readFully(footer);
            byte[] text = locator.getBytes(StandardCharsets.UTF_16LE);
            long locatorOffset = blockEnd;
            f.seek(locatorOffset);
            f.write(Arrays.copyOf(text, 512));

            ByteBuffer header = ByteBuffer.allocate(1024);
            f.seek(512);
            f.readFully(header.array());
            byte[] parentName = "parent.vhd".getBytes(StandardCharsets.UTF_16BE);
            header.put(64, parentName);
            header.put(576, "W2ru".getBytes(StandardCharsets.US_ASCII));
            header.putInt(580, 512);
            header.putInt(584, text.length);
            header.putLong(592, locatorOffset);
            f.seek(512);
            f.write(header.array());

            ByteBuffer.wrap(footer).putInt(60, VhdFooter.TYPE_DIFFERENCING).putInt(64, 0);
            ByteBuffer.wrap(footer).putInt(64, (int) VhdFooter.checksum(footer));
            f.seek(0);
            f.write(footer);
            f.seek(locatorOffset + 512);
            f.write(footer);
        }
        return child;
    }
}
