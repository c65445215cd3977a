package dev.jimg.formats.hardening;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.vpc.TestImages;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Images whose tables claim far more metadata than their small files could hold — terabytes of
 * L1, refcount, snapshot, block-map or grain-directory entries — are refused before anything of
 * that size is allocated: the thread's allocation while trying to open is measured and must stay
 * within a fixed bound plus a multiple of the file's size.
 */
class HostileTablesTest {
    /** Buffers and parsing whatever the image: far below the gigabytes the tables claim. */
    private static final long FIXED_BOUND = 16L << 20;
    private static final long PER_FILE_BYTE = 16;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    @BeforeAll
    static void loadTheDriversFirst(@TempDir Path warm) throws IOException {
        // Class loading on the first open is not the image's doing.
        Path img = warm.resolve("warm.qcow2");
        Images.create("qcow2", img, 1 << 20, Map.of());
        Images.openReadOnly(img).close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        // format, what, field offset, width, value, little endian, message
        "qcow2, l1_size of 2^31 entries, 36, 4, 2147483647, false, l1_size",
        "qcow2, refcount table of 2^32 clusters, 56, 4, 4294967295, false, refcount_table_clusters",
        "qcow2, 2^32 snapshots, 60, 4, 4294967295, false, nb_snapshots",
        "vdi, 2^28 blocks in image, 384, 4, 268435456, true, block map",
        "vpc, a BAT of 2^30 entries, 540, 4, 1073741825, false, Max Table Entries",
        "vmdk, a capacity of 2^50 sectors, 12, 8, 1125899906842624, true, L1 size too big"})
    void refusesBeforeAllocatingWhatTheTablesClaim(String format, String what, int offset, int width, long value,
            boolean littleEndian, String message) throws IOException {
        Path img = dir.resolve("hostile." + format);
        Map<String, String> options = format.equals("vmdk") ? Map.of("subformat", "monolithicSparse") : Map.of();
        Images.create(format, img, 4 << 20, options);
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(width).order(littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            if (width == 8) {
                b.putLong(0, value);
            } else {
                b.putInt(0, (int) value);
            }
            ch.write(b, offset);
        }
        long fileSize = Files.size(img);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        ImageException e = assertThrows(ImageException.class, () -> {
            try (BlockNode node = Images.openReadOnly(img)) {
                node.read(0, ByteBuffer.allocate(512));
            }
        });
        long used = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
        long bound = FIXED_BOUND + PER_FILE_BYTE * fileSize;
        assertTrue(used < bound, what + ": refusing a " + fileSize + "-byte file allocated " + used
                + " bytes, bound " + bound);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"vhd/afl5.img.bz2, Max Table Entries too large", "vmdk/afl9.vmdk.bz2, L1 size too big"})
    void fuzzedSampleImagesAreRefusedWithinTheBound(String sample, String message) throws IOException {
        Path img = TestImages.unpackSample(sample, dir);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        ImageException e = assertThrows(ImageException.class, () -> Images.openReadOnly(img).close());
        long used = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(used < FIXED_BOUND + PER_FILE_BYTE * Files.size(img), sample + " allocated " + used);
    }
}
