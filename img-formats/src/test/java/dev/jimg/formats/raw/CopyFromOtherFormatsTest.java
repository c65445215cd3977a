package dev.jimg.formats.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CopyOffload;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.formats.Formats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A raw target copies the plain data ranges of an image in another format from that image's file
 * ({@code copy_file_range}), and copies nothing for ranges that are compressed, zero, in a backing
 * file or elsewhere; the converter writes those from what it read. Either way the target must
 * hold exactly what qemu-img's conversion to raw holds.
 */
class CopyFromOtherFormatsTest {
    private static final long SIZE = 4L << 20;
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private final ImageOpener opener = new ImageOpener(Formats.registry(), w -> { });

    @Test
    void copiesQcow2DataClustersAndLeavesCompressedZeroAndBackingRangesToTheCaller() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Path top = dir.resolve("top.qcow2");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "qcow2", base.toString(), "4M").assertSuccess();
        ExternalTool.qemuIo(dir, "-c", "write -P 0x11 0 1M", base.toString()).assertSuccess();
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2",
                top.toString()).assertSuccess();
        ExternalTool.qemuIo(dir, "-c", "write -P 0x22 1M 1M", "-c", "write -z 2M 512k",
                "-c", "write -c -P 0x33 3M 64k", top.toString()).assertSuccess();

        long offloaded = copyAllAndCompareWithQemu(top, "qcow2");

        assertEquals(MIB, offloaded, "exactly the 1 MiB of plain data clusters is copied by the kernel");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vdi", "vpc", "vhdx", "vmdk"})
    void copiesThePlainDataOfOtherFormats(String format) throws Exception {
        Path raw = dir.resolve("source.raw");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "raw", raw.toString(), "4M").assertSuccess();
        ExternalTool.qemuIo(dir, "-f", "raw", "-c", "write -P 0x44 64k 1M", "-c", "write -P 0x55 3M 512k",
                raw.toString()).assertSuccess();
        Path image = dir.resolve("source." + format);
        ExternalTool.qemuImg(dir, "convert", "-f", "raw", "-O", format, raw.toString(), image.toString())
                .assertSuccess();

        long offloaded = copyAllAndCompareWithQemu(image, format);

        assertTrue(offloaded >= MIB + 512 * 1024, format + ": offloaded only " + offloaded + " bytes");
    }

    /**
     * Does what the converter does for every range of {@code image}: reads it, offers it to the
     * target's copy offload, writes what was not copied; then compares the target with qemu-img's
     * raw conversion. Returns how many bytes the kernel copied.
     */
    private long copyAllAndCompareWithQemu(Path image, String format) throws IOException {
        Path expected = dir.resolve("expected.raw");
        ExternalTool.qemuImg(dir, "convert", "-f", format, "-O", "raw", image.toString(), expected.toString())
                .assertSuccess();
        Path target = dir.resolve("target.raw");
        long offloaded = 0;
        try (BlockNode source = opener.open(image.toString(), format, OpenOptions.readOnlyDefaults())) {
            ExternalTool.qemuImg(dir, "create", "-q", "-f", "raw", target.toString(), Long.toString(source.size()))
                    .assertSuccess();
            try (BlockNode out = opener.open(target.toString(), "raw", OpenOptions.defaults())) {
                CopyOffload copier = out.capability(CopyOffload.class).orElseThrow();
                long pos = 0;
                while (pos < source.size()) {
                    Extent e = source.blockStatus(pos, Math.min(SIZE, source.size() - pos));
                    ByteBuffer data = ByteBuffer.allocate((int) e.length());
                    source.read(pos, data);
                    data.flip();
                    long copied = copier.copyFrom(source, pos, pos, e.length());
                    if (copied < e.length()) {
                        out.write(pos + copied, data.position((int) copied));
                    }
                    offloaded += copied;
                    pos += e.length();
                }
                out.flush();
            }
        }
        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(target));
        return offloaded;
    }
}
