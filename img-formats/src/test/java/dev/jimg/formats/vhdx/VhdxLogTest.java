package dev.jimg.formats.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Checkable;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.file.FileNode;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.vpc.TestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log as a crash leaves it: an entry jimg wrote but did not apply. It must be one QEMU
 * replays too, and damaged entries must be ignored or refused, never half-applied.
 */
@Tag("interop")
class VhdxLogTest {
    /** Layout of a small image with the default 1 MiB log: BAT at 2 MiB, metadata at 3 MiB. */
    private static final long BAT_OFFSET = 2L << 20;
    private static final long LOG_OFFSET = 1L << 20;
    private static final int BLOCK = 5;

    @TempDir
    Path dir;

    private Path image;
    private long blockOffset;

    @BeforeEach
    void createImageWithBlockWrittenButOnlyLogged() throws IOException {
        image = dir.resolve("crash.vhdx");
        Images.create("vhdx", image, 64L << 20, Map.of("block_size", "1M"));
        blockOffset = Files.size(image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(blockOffset);
            f.write(TestImages.filled(1 << 20, 0x5A));
        }
        try (FileNode file = FileNode.open(image, image.toString(), OpenOptions.defaults())) {
            ByteBuffer sector = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            file.read(BAT_OFFSET, sector);
            sector.putLong(BLOCK * 8, blockOffset | Bat.PAYLOAD_FULLY_PRESENT);
            HeaderPair headers = HeaderPair.read(file);
            headers.update(file, Guid.random(), null, Guid.random());
            VhdxLog.writeEntry(file, headers.current(), 1, new long[] {BAT_OFFSET}, new byte[][] {sector.array()});
        }
    }

    @Test
    void qemuReplaysTheLogJimgWrote() throws IOException {
        ExternalTool.Result info = ExternalTool.qemuImg(dir, "info", image.toString());
        assertTrue(info.stderr().contains("contains a log that needs to be replayed"), info.stderr());
        ExternalTool.qemuImg(dir, "check", "-r", "all", image.toString()).assertSuccess();
        ExternalTool.qemuIo(dir, "-f", "vhdx", "-c", "read -P 0x5a " + (BLOCK << 20) + " 1M", image.toString())
                .assertSuccess();
    }

    @Test
    void jimgReplaysItsOwnLogOnAWritableOpen() throws IOException {
        assertThrows(ImageException.class, () -> Images.openReadOnly(image));
        try (BlockNode node = Images.open(image, "vhdx")) {
            assertEquals(1, node.capability(Checkable.class).orElseThrow()
                    .check(Checkable.Repair.ALL, m -> { }).corruptionsFixed());
            ByteBuffer back = ByteBuffer.allocate(1 << 20);
            node.read((long) BLOCK << 20, back);
            assertArrayEquals(TestImages.filled(1 << 20, 0x5A), back.array());
        }
        ExternalTool.qemuIo(dir, "-f", "vhdx", "-r", "-c", "read -P 0x5a " + (BLOCK << 20) + " 1M", image.toString())
                .assertSuccess();
    }

    @Test
    void aTornEntryIsIgnoredLikeAnEmptyLog() throws IOException {
        // A byte of the data sector changes: the entry's checksum no longer matches.
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(LOG_OFFSET + 4096 + 100);
            f.write(0xEE);
        }
        try (BlockNode node = Images.openReadOnly(image)) {
            ByteBuffer back = ByteBuffer.allocate(4096);
            node.read((long) BLOCK << 20, back);
            assertArrayEquals(new byte[4096], back.array(), "the unapplied change stays invisible");
        }
        ExternalTool.qemuImg(dir, "info", image.toString()).assertSuccess();
    }

    @Test
    void anEntryExpectingALargerFileMeansTruncation() throws IOException {
        patchEntry(48, Files.size(image) + (1L << 30));
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> Images.open(image, "vhdx"));
        assertTrue(e.getMessage().contains("the image has been truncated"), e.getMessage());
    }

    @Test
    void anEntryWritingFarBeyondTheFileIsRefused() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            byte[] entry = new byte[8192];
            f.seek(LOG_OFFSET);
            f.readFully(entry);
            ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + 16, 1L << 50);
            VhdxHeader.Checksums.store(entry, 4);
            f.seek(LOG_OFFSET);
            f.write(entry);
        }
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> Images.open(image, "vhdx"));
        assertTrue(e.getMessage().contains("beyond the file's end"), e.getMessage());
    }

    /** Changes the u64 at {@code field} of the logged entry (two sectors) and fixes its checksum. */
    private void patchEntry(int field, long value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            byte[] entry = new byte[8192];
            f.seek(LOG_OFFSET);
            f.readFully(entry);
            ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).putLong(field, value);
            VhdxHeader.Checksums.store(entry, 4);
            f.seek(LOG_OFFSET);
            f.write(entry);
        }
    }
}
