package dev.jimg.formats.vpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Checkable;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.ZeroDetector;
import dev.jimg.formats.testing.Images;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real VHDs in {@code testdata/vhd} (see its README) get qemu-img 7.2's verdicts. */
class VpcSampleImagesTest {
    @TempDir
    Path dir;

    @Test
    void fuzzedImageWithAbsurdTableIsRefusedWithQemusMessage() throws IOException {
        Path image = TestImages.unpackSample("vhd/afl5.img.bz2", dir);
        ImageException e = assertThrows(ImageException.class, () -> Images.openReadOnly(image));
        assertEquals("Max Table Entries too large (1073741825)", e.getMessage());
    }

    @Test
    void disk2vhdImageIsSizedByItsCurrentSizeAndReadsAsZeros() throws IOException {
        Path image = TestImages.unpackSample("vhd/d2v-zerofilled.vhd.bz2", dir);
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals("vpc", node.formatName());
            assertEquals(263454720L, node.size());
            assertEquals(2 << 20, node.clusterSize().orElseThrow());
            assertFalse(node.capability(Checkable.class).isPresent(), "qemu-img check exits 63 on vpc");
            ByteBuffer chunk = ByteBuffer.allocate(4 << 20);
            for (long pos = 0; pos < node.size(); pos += chunk.capacity()) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), node.size() - pos));
                node.read(pos, chunk);
                assertTrue(ZeroDetector.isZero(chunk.flip()), "zero-filled at " + pos);
            }
            Extent first = node.blockStatus(0, node.size());
            assertTrue(first.isData() && first.hostOffset() == 2560, first.toString());
        }
    }

    @Test
    void hyperVImageIsSizedByItsCurrentSize() throws IOException {
        Path image = TestImages.unpackSample("vhd/hyperv2012r2-dynamic.vhd.bz2", dir);
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals(136365211648L, node.size());
            assertEquals(List.of(Extent.zero(0, node.size())), ChainStatus.map(node, 0, node.size()));
        }
    }

    @Test
    void virtualPcImageIsSizedByItsGeometry() throws IOException {
        Path image = TestImages.unpackSample("vhd/virtualpc-dynamic.vhd.bz2", dir);
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals(136363130880L, node.size());
            ByteBuffer last = ByteBuffer.allocate(512);
            node.read(node.size() - 512, last);
            assertTrue(ZeroDetector.isZero(last.flip()));
        }
    }
}
