package dev.jimg.block.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls made without errno capture: a failure still reports its errno (the call is made
 * again through the capturing handle), and lseek reports a failure as -1 without one.
 */
class NativeFileOpsTest {
    @TempDir
    Path dir;

    @Test
    void aFailedCallReportsItsErrno() {
        assertTrue(NativeFileOps.available(), "these tests run on Linux");
        NativeFileOps.Result r = NativeFileOps.ftruncate(-1, 0);
        assertTrue(r.failed());
        assertEquals(9, r.errno(), "EBADF");
        NativeFileOps.Result sync = NativeFileOps.fdatasync(-1);
        assertEquals(9, sync.errno(), "fdatasync goes straight through the capturing handle");
    }

    @Test
    void aFailedOpenNamesTheReason() {
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> NativeFileOps.openSameFile(dir.resolve("missing"), false, "no key"));
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    }

    @Test
    void seeksDataAndHolesAndFailsPastTheLastData() throws IOException {
        Path p = dir.resolve("f");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}), 1 << 20);
        }
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            file.setLength(4 << 20); // a hole from the data to the end
        }
        int fd = NativeFileOps.openSameFile(p, false, Files.readAttributes(p,
                java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        try {
            long data = NativeFileOps.lseek(fd, 0, NativeFileOps.SEEK_DATA);
            assertTrue(data > 0 && data <= 1 << 20, "data found at " + data);
            long hole = NativeFileOps.lseek(fd, 1 << 20, NativeFileOps.SEEK_HOLE);
            assertTrue(hole > 1 << 20, "hole after the data at " + hole);
            assertEquals(-1, NativeFileOps.lseek(fd, 3 << 20, NativeFileOps.SEEK_DATA), "ENXIO, reported as -1");
            assertEquals(3 << 20, NativeFileOps.lseek(fd, 3 << 20, NativeFileOps.SEEK_HOLE),
                    "inside the file SEEK_HOLE answers, which tells ENXIO from no support");
            assertEquals(-1, NativeFileOps.lseek(-1, 0, NativeFileOps.SEEK_DATA), "EBADF, reported as -1");
        } finally {
            NativeFileOps.close(fd);
        }
    }
}
