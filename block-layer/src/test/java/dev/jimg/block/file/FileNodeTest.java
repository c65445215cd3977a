package dev.jimg.block.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.jimg.block.CacheMode;
import dev.jimg.block.Extent;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileNodeTest {
    private static final int MiB = 1 << 20;

    /** Read-only beside a writable node of the same file, as QEMU's locks allow with force-share. */
    private static final OpenOptions READ_ONLY_SHARED = OpenOptions.builder().readOnly(true).forceShare(true).build();

    @TempDir
    Path dir;

    @Test
    void usesNativeCallsOnTheHostFileSystem() throws IOException {
        try (FileNode node = FileNode.create(dir.resolve("a"), "a")) {
            assertTrue(node.isNative(), "native calls should be available on Linux");
        }
    }

    @Test
    void opensItsNativeDescriptorOnlyWhenANativeCallNeedsIt() throws IOException {
        Path p = dir.resolve("lazy");
        try (FileNode node = FileNode.create(p, "lazy")) {
            node.write(0, ByteBuffer.wrap(filled(4096, 1)));
            assertEquals(1, descriptorsOf(p), "only the channel's descriptor for a new file");
            node.read(0, ByteBuffer.allocate(512));
            assertEquals(1, descriptorsOf(p), "reads go through the channel");
            node.blockStatus(0, 4096);
            assertEquals(2, descriptorsOf(p), "a hole query opens the native descriptor");
        }
        assertEquals(0, descriptorsOf(p));
    }

    @Test
    void anExistingImageHoldsItsNativeDescriptorFromOpenForQemusLocks() throws IOException {
        Path p = dir.resolve("locked");
        Files.write(p, filled(4096, 1));
        try (FileNode node = FileNode.open(p, "locked", OpenOptions.defaults())) {
            assertEquals(2, descriptorsOf(p), "the lock bytes are held through the native descriptor");
            node.blockStatus(0, 4096);
            assertEquals(2, descriptorsOf(p), "hole queries use the same descriptor");
        }
        assertEquals(0, descriptorsOf(p));
    }

    /** How many of this process's open descriptors refer to {@code p}. */
    private static long descriptorsOf(Path p) throws IOException {
        Path target = p.toRealPath();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException e) {
                    return false; // the descriptor the listing itself used, closed by now
                }
            }).count();
        }
    }

    @Test
    void aReadOnlyNodeKeepsTheSizeItWasOpenedWithAsQemuDoes() throws IOException {
        Path p = dir.resolve("fixed");
        Files.write(p, filled(4096, 1));
        // Shared as qemu-img -U shares: the reader lets a writer in.
        try (FileNode ro = FileNode.open(p, "fixed", OpenOptions.builder().readOnly(true).forceShare(true).build());
                FileNode rw = FileNode.open(p, "fixed", OpenOptions.defaults())) {
            rw.resize(8192);
            assertEquals(8192, rw.size());
            assertEquals(4096, ro.size());
            assertEquals(4096, ro.blockStatus(0, 8192).length(), "block status stops at the size it knows");
        }
    }

    @Test
    void refusesNativeCallsOnAFileReplacedWhileOpen() throws IOException {
        Path p = dir.resolve("img");
        Files.write(p, filled(4096, 1));
        try (FileNode node = FileNode.create(p, "img")) {
            node.write(0, ByteBuffer.wrap(filled(4096, 1)));
            Path other = dir.resolve("other");
            Files.write(other, filled(8192, 2));
            Files.move(other, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            IOException e = assertThrows(IOException.class, () -> node.blockStatus(0, 4096));
            assertTrue(e.getMessage().endsWith("the file was replaced while open"), e.getMessage());
        }
    }

    @Test
    void reportsHolesAsZeroAndWrittenBlocksAsData() throws IOException {
        try (FileNode node = FileNode.create(dir.resolve("sparse"), "sparse")) {
            node.resize(8L * MiB);
            node.write(4L * MiB, ByteBuffer.wrap(filled(MiB, 7)));
            Extent hole = node.blockStatus(0, 8L * MiB);
            assertTrue(hole.isZero() && !hole.isData(), "leading hole: " + hole);
            assertEquals(4L * MiB, hole.length());
            Extent data = node.blockStatus(4L * MiB, 4L * MiB);
            assertTrue(data.isData(), "written range: " + data);
            assertEquals(MiB, data.length());
            assertEquals(4L * MiB, data.hostOffset());
            Extent tail = node.blockStatus(5L * MiB, 3L * MiB);
            assertTrue(tail.isZero());
            assertEquals(3L * MiB, tail.length());
        }
    }

    /**
     * A read-only node asks FIEMAP for a thousand extents at a time ({@link Fiemap}); a writable
     * one asks {@code lseek}. Over more extents than one FIEMAP call returns, and from offsets
     * inside runs, both must answer alike.
     */
    @Test
    void readOnlyStatusFromFiemapMatchesLseekAcrossSeveralFiemapCalls() throws IOException {
        Path p = dir.resolve("scattered");
        int pieces = Fiemap.EXTENTS_PER_CALL * 2 + 100;
        try (FileNode node = FileNode.create(p, "scattered")) {
            for (int i = 0; i < pieces; i++) {
                // 4 KiB of data every 12 KiB, and every seventh piece 8 KiB: runs of two lengths
                node.write(i * 12288L, ByteBuffer.wrap(filled(i % 7 == 0 ? 8192 : 4096, i % 250 + 1)));
            }
            node.resize(pieces * 12288L + 65536);
            node.flush();
        }
        try (FileNode lseek = FileNode.open(p, "scattered", OpenOptions.defaults());
                FileNode fiemap = FileNode.open(p, "scattered", READ_ONLY_SHARED)) {
            assertEquals(walk(lseek, 0), walk(fiemap, 0));
            assertEquals(walk(lseek, 5000), walk(fiemap, 5000), "starting inside a hole");
            assertEquals(walk(lseek, 12288L * 1500 + 100), walk(fiemap, 12288L * 1500 + 100), "inside data");
            assertEquals(2 * pieces, walk(fiemap, 0).size(), "data, hole, data, hole ... the last hole reaching the end");
            assertTrue(fiemap.answersFromFiemap(), "ext4 answers FIEMAP");
            assertFalse(lseek.answersFromFiemap(), "a writable node asks lseek");
        }
    }

    @Test
    void readOnlyStatusSeesDataWrittenAMomentAgoAndNotYetOnDisk() throws IOException {
        Path p = dir.resolve("fresh");
        try (FileNode writer = FileNode.create(p, "fresh")) {
            writer.resize(8 * MiB);
            writer.write(3 * MiB, ByteBuffer.wrap(filled(MiB, 9))); // no flush
            try (FileNode reader = FileNode.open(p, "fresh", READ_ONLY_SHARED)) {
                assertEquals(List.of("0+3145728 zero", "3145728+1048576 data", "4194304+4194304 zero"), walk(reader, 0));
                assertTrue(reader.answersFromFiemap());
            }
        }
    }

    @Test
    void readOnlyStatusReportsPreallocatedBlocksAsZeroesAsLseekDoes() throws IOException {
        Path p = dir.resolve("prealloc");
        try (FileNode node = FileNode.create(p, "prealloc")) {
            node.write(0, ByteBuffer.wrap(filled(MiB, 3)));
            node.resize(4 * MiB);
            int fd = NativeFileOps.openSameFile(p, true, Files.readAttributes(p,
                    java.nio.file.attribute.BasicFileAttributes.class).fileKey());
            try {
                assertFalse(NativeFileOps.fallocate(fd, 0, MiB, 2 * MiB).failed(), "fallocate");
                assertTrue(NativeFileOps.allocatedBytes(fd) >= 3L * MiB, "the range is preallocated");
            } finally {
                NativeFileOps.close(fd);
            }
            node.flush();
        }
        try (FileNode lseek = FileNode.open(p, "prealloc", OpenOptions.defaults());
                FileNode fiemap = FileNode.open(p, "prealloc", READ_ONLY_SHARED)) {
            assertEquals(List.of("0+1048576 data", "1048576+3145728 zero"), walk(fiemap, 0));
            assertEquals(walk(lseek, 0), walk(fiemap, 0));
            assertTrue(fiemap.answersFromFiemap());
        }
    }

    /**
     * Once the page cache holds unwritten blocks' pages (read here, as qemu-img reads an image
     * it compares), {@code lseek} calls them data, and QEMU's block status with it: so must a
     * read-only node, whose FIEMAP says "unwritten".
     */
    @Test
    void readOnlyStatusOfCachedPreallocatedBlocksIsLseeksAsInQemu() throws IOException {
        Path p = dir.resolve("prealloc-cached");
        try (FileNode node = FileNode.create(p, "prealloc-cached")) {
            node.resize(4 * MiB);
            int fd = NativeFileOps.openSameFile(p, true, Files.readAttributes(p,
                    java.nio.file.attribute.BasicFileAttributes.class).fileKey());
            try {
                assertFalse(NativeFileOps.fallocate(fd, 0, MiB, 2 * MiB).failed(), "fallocate");
            } finally {
                NativeFileOps.close(fd);
            }
            node.read(MiB, ByteBuffer.allocate(MiB)); // the first half of the unwritten range into the cache
        }
        try (FileNode lseek = FileNode.open(p, "prealloc-cached", OpenOptions.defaults());
                FileNode fiemap = FileNode.open(p, "prealloc-cached", READ_ONLY_SHARED)) {
            List<String> expected = walk(lseek, 0);
            assertTrue(expected.contains("1048576+1048576 data"), "lseek counts cached unwritten pages as data: "
                    + expected);
            assertEquals(expected, walk(fiemap, 0));
            assertTrue(fiemap.answersFromFiemap());
        }
    }

    /** tmpfs has SEEK_DATA but no FIEMAP: the read-only node falls back to lseek. */
    @Test
    void readOnlyStatusFallsBackToLseekWhereTheFileSystemHasNoFiemap() throws IOException {
        Path shm = Path.of("/dev/shm");
        assertTrue(Files.isDirectory(shm), "this test needs the tmpfs at /dev/shm that Linux hosts mount");
        Path p = Files.createTempFile(shm, "jimg-fiemap", ".raw");
        try {
            try (FileNode node = FileNode.create(p, "shm")) {
                node.resize(4 * MiB);
                node.write(2 * MiB, ByteBuffer.wrap(filled(MiB, 5)));
            }
            try (FileNode fiemap = FileNode.open(p, "shm", READ_ONLY_SHARED)) {
                assertEquals(List.of("0+2097152 zero", "2097152+1048576 data", "3145728+1048576 zero"), walk(fiemap, 0));
                assertFalse(fiemap.answersFromFiemap(), "tmpfs refuses FIEMAP");
            }
        } finally {
            Files.delete(p);
        }
    }

    /** The node's status from {@code offset} to its end as "offset+length kind" lines, merged as map merges. */
    private static List<String> walk(FileNode node, long offset) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        long end = node.size();
        long runStart = offset;
        String kind = null;
        for (long pos = offset; pos < end; ) {
            Extent e = node.blockStatus(pos, end - pos);
            assertEquals(pos, e.offset());
            String k = e.isData() ? "data" : e.isZero() ? "zero" : "unallocated";
            if (kind != null && !kind.equals(k)) {
                out.add(runStart + "+" + (pos - runStart) + " " + kind);
                runStart = pos;
            }
            kind = k;
            pos += e.length();
        }
        if (kind != null) {
            out.add(runStart + "+" + (end - runStart) + " " + kind);
        }
        return out;
    }

    @Test
    void punchesHolesThatReadAsZeroesAndFreeSpace() throws IOException {
        Path p = dir.resolve("punch");
        try (FileNode node = FileNode.create(p, "punch")) {
            node.write(0, ByteBuffer.wrap(filled(4 * MiB, 3)));
            node.flush();
            long before = node.allocatedBytes();
            node.writeZeroes(MiB, 2L * MiB, true);
            assertEquals(before - 2L * MiB, node.allocatedBytes());
            assertEquals(4L * MiB, node.size());
            ByteBuffer back = ByteBuffer.allocate(4 * MiB);
            node.read(0, back);
            byte[] expected = filled(4 * MiB, 3);
            Arrays.fill(expected, MiB, 3 * MiB, (byte) 0);
            assertArrayEquals(expected, back.array());
            assertTrue(node.blockStatus(MiB, MiB).isZero());
        }
    }

    @Test
    void writeZeroesWithoutUnmapKeepsTheRangeAllocated() throws IOException {
        try (FileNode node = FileNode.create(dir.resolve("zr"), "zr")) {
            node.write(0, ByteBuffer.wrap(filled(MiB, 9)));
            node.writeZeroes(0, MiB, false);
            ByteBuffer back = ByteBuffer.allocate(MiB);
            node.read(0, back);
            assertArrayEquals(new byte[MiB], back.array());
        }
    }

    @Test
    void readsZeroesPastTheEndOfTheFile() throws IOException {
        try (FileNode node = FileNode.create(dir.resolve("short"), "short")) {
            node.write(0, ByteBuffer.wrap(filled(100, 1)));
            ByteBuffer back = ByteBuffer.allocate(200);
            node.read(0, back);
            byte[] expected = new byte[200];
            Arrays.fill(expected, 0, 100, (byte) 1);
            assertArrayEquals(expected, back.array());
        }
    }

    @Test
    void growingLeavesAHoleNotWrittenBlocks() throws IOException {
        try (FileNode node = FileNode.create(dir.resolve("grow"), "grow")) {
            node.resize(64L * MiB);
            assertEquals(64L * MiB, node.size());
            assertTrue(node.allocatedBytes() < MiB, "allocated " + node.allocatedBytes());
        }
    }

    @Test
    void refusesWritesWhenOpenedReadOnly() throws IOException {
        Path p = dir.resolve("ro");
        Files.write(p, new byte[512]);
        try (FileNode node = FileNode.open(p, "ro", OpenOptions.readOnlyDefaults())) {
            ImageException e = assertThrows(ImageException.class, () -> node.write(0, ByteBuffer.allocate(1)));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
    }

    @Test
    void namesAMissingFileInItsError() {
        ImageException e = assertThrows(ImageException.class,
                () -> FileNode.open(dir.resolve("nope"), "nope", OpenOptions.defaults()));
        assertEquals("Could not open 'nope': No such file or directory", e.getMessage());
        assertEquals("nope", e.file());
    }

    @Test
    void fallsBackToPlainJavaOnAnInMemoryFileSystem() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path p = fs.getPath("/img");
            try (FileNode node = FileNode.create(p, "img")) {
                assertFalse(node.isNative());
                node.resize(MiB);
                node.write(4096, ByteBuffer.wrap(filled(4096, 5)));
                node.writeZeroes(4096, 2048, true);
                node.discard(0, 4096);
                node.flush();
                Extent e = node.blockStatus(0, MiB);
                assertTrue(e.isData(), "without SEEK_DATA everything is data: " + e);
                assertEquals(MiB, e.length());
                ByteBuffer back = ByteBuffer.allocate(4096);
                node.read(4096, back);
                byte[] expected = filled(4096, 5);
                Arrays.fill(expected, 0, 2048, (byte) 0);
                assertArrayEquals(expected, back.array());
                assertEquals(MiB, node.allocatedBytes());
            }
        }
    }

    @Test
    void copiesARangeFromAnotherHostFileInsideTheKernel() throws IOException {
        Path from = dir.resolve("from");
        byte[] data = new byte[3 * MiB];
        new java.util.Random(7).nextBytes(data);
        Files.write(from, data);
        try (FileNode src = FileNode.open(from, "from", OpenOptions.builder().readOnly(true).build());
                FileNode dst = FileNode.create(dir.resolve("to"), "to")) {
            assertEquals(2 * MiB, dst.copyFrom(src, MiB, 4096, 2 * MiB));
            ByteBuffer back = ByteBuffer.allocate(2 * MiB);
            dst.read(4096, back);
            assertArrayEquals(Arrays.copyOfRange(data, MiB, 3 * MiB), back.array());
            assertEquals(4096 + 2 * MiB, dst.size());
        }
    }

    @Test
    void copiesOnlyUpToTheEndOfTheSource() throws IOException {
        Path from = dir.resolve("short");
        Files.write(from, filled(1000, 0x5a));
        try (FileNode src = FileNode.open(from, "short", OpenOptions.builder().readOnly(true).build());
                FileNode dst = FileNode.create(dir.resolve("to"), "to")) {
            assertEquals(200, dst.copyFrom(src, 800, 0, 512), "the 200 bytes the source has from 800");
        }
    }

    @Test
    void copiesNothingWhereOneFileIsNotOnTheHostSoTheCallerWritesItself() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path inMemory = fs.getPath("/m");
            Files.write(inMemory, filled(4096, 1));
            Path host = dir.resolve("h");
            Files.write(host, filled(4096, 2));
            try (FileNode memSrc = FileNode.open(inMemory, "m", OpenOptions.builder().readOnly(true).build());
                    FileNode hostDst = FileNode.create(dir.resolve("to"), "to");
                    FileNode hostSrc = FileNode.open(host, "h", OpenOptions.builder().readOnly(true).build());
                    FileNode memDst = FileNode.create(fs.getPath("/to"), "to")) {
                assertEquals(0, hostDst.copyFrom(memSrc, 0, 0, 4096));
                assertEquals(0, memDst.copyFrom(hostSrc, 0, 0, 4096));
                assertEquals(0, memDst.size(), "nothing was written");
            }
        }
    }

    @Test
    void copiesNothingIntoAFileThatSyncsEachWriteForItsChannelCarriesThatFlag() throws IOException {
        Path from = dir.resolve("from");
        Files.write(from, filled(4096, 3));
        Path to = dir.resolve("to");
        Files.write(to, new byte[0]);
        try (FileNode src = FileNode.open(from, "from", OpenOptions.builder().readOnly(true).build());
                FileNode dst = FileNode.open(to, "to", OpenOptions.builder().cache(CacheMode.WRITETHROUGH).build())) {
            assertEquals(0, dst.copyFrom(src, 0, 0, 4096));
        }
    }

    @Test
    void refusesToCopyIntoAReadOnlyFile() throws IOException {
        Path p = dir.resolve("ro");
        Files.write(p, filled(4096, 1));
        try (FileNode node = FileNode.open(p, "ro", OpenOptions.builder().readOnly(true).build())) {
            assertThrows(ImageException.class, () -> node.copyFrom(node, 0, 0, 512));
        }
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
