package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.block.testing.MemoryFileNode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Header fields and tables a hostile file may hold: a clear error naming the field, never a hang or a huge allocation. */
class Qcow2HostileImageTest {
    @TempDir
    Path dir;

    private byte[] image() throws Exception {
        Path img = dir.resolve("h.qcow2");
        Workload.create(img, 1 << 20, Map.of("cluster_size", "4k"));
        try (BlockNode n = QemuTools.open(img, false)) {
            n.write(0, ByteBuffer.wrap(new byte[8192]));
            n.capability(dev.jimg.block.Snapshots.class).orElseThrow().create("s");
        }
        return Files.readAllBytes(img);
    }

    private static void put(byte[] b, int at, long value, int width) {
        for (int i = width - 1; i >= 0; i--) {
            b[at + i] = (byte) value;
            value >>>= 8;
        }
    }

    private static ImageException openFails(byte[] bytes) {
        return assertThrows(ImageException.class, () -> {
            try (BlockNode n = NodeContext.open(new MemoryFileNode("bad.qcow2", bytes), true)) {
                n.read(0, ByteBuffer.allocate((int) Math.min(n.size(), 1 << 20)));
            }
        });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "cluster_bits, 20, 4, 30",
        "cluster_bits, 20, 4, 8",
        "size, 24, 8, -1",
        "l1_size, 36, 4, 4294967295",
        "l1_size, 36, 4, 0",
        "l1_table_offset, 40, 8, 1099511627776",
        "l1_table_offset, 40, 8, 4097",
        "refcount_table_offset, 48, 8, 1099511627776",
        "refcount_table_clusters, 56, 4, 4294967295",
        "refcount_table_clusters, 56, 4, 0",
        "nb_snapshots, 60, 4, 4294967295",
        "snapshots_offset, 64, 8, 1099511627776",
        "refcount_order, 96, 4, 7",
        "header_length, 100, 4, 65536",
        "incompatible_features, 72, 8, 256",
        "crypt_method, 32, 4, 2",
        "backing_file_size, 16, 4, 100000"})
    void refusesOutOfRangeHeaderFieldNamingIt(String field, int offset, int width, long value) throws Exception {
        byte[] b = image();
        put(b, offset, value, width);
        if (field.equals("backing_file_size")) {
            put(b, 8, 512, 8);
        }
        ImageException e = openFails(b);
        assertTrue(e.getMessage().contains(field.replace("incompatible_features", "incompatible feature"))
                || e.getMessage().contains("encryption") || e.getMessage().contains("Unsupported"),
                field + ": " + e.getMessage());
    }

    @Test
    void refusesExtensionLongerThanTheHeaderCluster() throws Exception {
        byte[] b = image();
        int ext = 112; // first extension of a v3 header written by jimg
        put(b, ext + 4, 1 << 30, 4);
        assertTrue(openFails(b).getMessage().contains("extension"));
    }

    @Test
    void refusesSnapshotTableEntryWithHugeExtraData() throws Exception {
        byte[] b = image();
        long snapshots = ByteBuffer.wrap(b).getLong(64);
        put(b, (int) snapshots + 36, 1 << 30, 4);
        assertTrue(openFails(b).getMessage().contains("extra_data_size"));
    }

    @Test
    void signalsCorruptionForUnalignedL2TableAndRefusesWrites() throws Exception {
        byte[] b = image();
        long l1 = ByteBuffer.wrap(b).getLong(40);
        long entry = ByteBuffer.wrap(b).getLong((int) l1);
        put(b, (int) l1, entry + 512, 8);
        MemoryFileNode disk = new MemoryFileNode("bad.qcow2", b);
        try (BlockNode n = NodeContext.open(disk, false)) {
            CorruptImageException e = assertThrows(CorruptImageException.class, () -> n.read(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("L2 table offset"), e.getMessage());
            assertThrows(CorruptImageException.class, () -> n.write(0, ByteBuffer.allocate(512)));
        }
        long incompat = ByteBuffer.wrap(disk.contents()).getLong(72);
        assertTrue((incompat & Qcow2Header.INCOMPAT_CORRUPT) != 0, "the corrupt bit is set on disk");
    }

    @Test
    void refusesToAllocateThroughARefcountBlockBeyondTheEndOfTheFile() throws Exception {
        // Found by fuzzing: the block read as zeroes, and its update grew the file to exabytes.
        byte[] b = image();
        long reftable = ByteBuffer.wrap(b).getLong(48);
        put(b, (int) reftable, 0x6d61707300000000L, 8);
        MemoryFileNode disk = new MemoryFileNode("bad.qcow2", b);
        try (BlockNode n = NodeContext.open(disk, false)) {
            CorruptImageException e = assertThrows(CorruptImageException.class,
                    () -> n.write(512 << 10, ByteBuffer.allocate(4096)));
            assertTrue(e.getMessage().contains("beyond the end of the file"), e.getMessage());
        }
        assertTrue(disk.size() <= b.length + (64 << 10), "the file was not grown to the bogus offset: " + disk.size());
    }

    @Test
    void refcountBlockOffsetWithTheTopBitSetIsCorruptionNotANegativeRead() throws Exception {
        // Found by fuzzing: the offset compared as a negative number passed the end-of-file test.
        byte[] b = image();
        long reftable = ByteBuffer.wrap(b).getLong(48);
        put(b, (int) reftable, 0x9d9d000000000000L, 8);
        try (BlockNode n = NodeContext.open(new MemoryFileNode("bad.qcow2", b), false)) {
            CorruptImageException e = assertThrows(CorruptImageException.class,
                    () -> n.write(512 << 10, ByteBuffer.allocate(4096)));
            assertTrue(e.getMessage().contains("beyond the end of the file"), e.getMessage());
        }
    }

    @Test
    void refusesToWriteThroughAnL2TableBeyondTheEndOfTheFile() throws Exception {
        // Found by fuzzing: zeroing through an L1 entry 145 TB away grew the file to there.
        byte[] b = image();
        long l1 = ByteBuffer.wrap(b).getLong(40);
        put(b, (int) l1, 0x8000910000000000L, 8);
        MemoryFileNode disk = new MemoryFileNode("bad.qcow2", b);
        try (BlockNode n = NodeContext.open(disk, false)) {
            CorruptImageException e = assertThrows(CorruptImageException.class,
                    () -> n.writeZeroes(0, 4096, false));
            assertTrue(e.getMessage().contains("beyond the end of the file"), e.getMessage());
        }
    }

    @Test
    void refusesToAllocateClustersHoldingMetadataWhoseRefcountIsZero() throws Exception {
        // Found by fuzzing: zeroed refcounts of the header and tables handed them out for data.
        byte[] b = image();
        ByteBuffer h = ByteBuffer.wrap(b);
        long refblock = h.getLong((int) h.getLong(48)) & ~0x1ffL;
        for (int c = 0; c < 4; c++) { // header, refcount table and block, L1 table
            put(b, (int) refblock + 2 * c, 0, 2);
        }
        MemoryFileNode disk = new MemoryFileNode("bad.qcow2", b);
        try (BlockNode n = NodeContext.open(disk, false)) {
            CorruptImageException e = assertThrows(CorruptImageException.class,
                    () -> n.write(768 << 10, ByteBuffer.allocate(4096)));
            assertTrue(e.getMessage().contains("Preventing invalid allocation"), e.getMessage());
        }
        assertTrue(java.util.Arrays.equals(b, 0, 72, disk.contents(), 0, 72), "the header was not overwritten");
    }

    @Test
    void randomlyDamagedHeadersNeverHangOrExhaustMemory() throws Exception {
        byte[] good = image();
        Random r = new Random(1234);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 400; i++) {
                byte[] b = good.clone();
                int flips = 1 + r.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = r.nextInt(4096 * 8);
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
                try (BlockNode n = NodeContext.open(new MemoryFileNode("fuzz.qcow2", b), true)) {
                    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(n.size(), 1 << 20));
                    n.read(0, buf);
                    n.capability(dev.jimg.block.Checkable.class).orElseThrow()
                            .check(dev.jimg.block.Checkable.Repair.NONE, line -> { });
                } catch (ImageException | java.io.IOException expected) {
                    // a clear refusal is the right answer for a damaged file
                }
            }
        });
    }
}
