package dev.jimg.formats.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jimg.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Compares what jimg reads from an image with what qemu-img reads, for images too large to hold
 * in memory: the maps must be identical, every range qemu reports as non-zero data must hold the
 * same bytes as {@code qemu-img convert -O raw} produced, and the start of every range both report
 * as zero must read as zero in jimg.
 */
public final class QemuView {
    private static final int CHUNK = 4 << 20;

    private QemuView() {
    }

    public static void assertSame(BlockNode node, Path image, String format, Path scratch) throws IOException {
        List<MapEntry> qemuMap = MapEntry.qemu(image, format);
        assertEquals(qemuMap, MapEntry.jimg(node), "qemu-img map and jimg map differ for " + image);
        Path raw = scratch.resolve("qemu-view-" + System.nanoTime() + ".raw");
        Images.run("qemu-img", "convert", "-f", format, "-O", "raw", image.toString(), raw.toString());
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ)) {
            assertEquals(ch.size(), node.size(), "virtual size");
            for (MapEntry e : qemuMap) {
                if (e.zero()) {
                    ByteBuffer head = ByteBuffer.allocate((int) Math.min(e.length(), 65536));
                    node.read(e.start(), head);
                    assertEquals(ByteBuffer.allocate(head.capacity()), head.flip(), "zero range at " + e.start());
                    continue;
                }
                for (long pos = e.start(); pos < e.start() + e.length(); pos += CHUNK) {
                    int n = (int) Math.min(CHUNK, e.start() + e.length() - pos);
                    ByteBuffer expected = ByteBuffer.allocate(n);
                    ch.read(expected, pos);
                    ByteBuffer actual = ByteBuffer.allocate(n);
                    node.read(pos, actual);
                    if (!expected.flip().equals(actual.flip())) {
                        throw new AssertionError("contents differ from qemu-img's in " + n + " bytes at " + pos
                                + " of " + image);
                    }
                }
            }
        } finally {
            Files.deleteIfExists(raw);
        }
    }
}
