package dev.jimg.emulator.guest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Raw disk images for the guest, made and inspected with e2fsprogs and fdisk on the host, without
 * root, loop devices or mounts: {@code mkfs.ext4 -d} fills a file system from a directory,
 * {@code sfdisk} writes a partition table into a plain file, {@code debugfs} reads a file back.
 */
public final class DiskImages {

    /** Where the GPT partition starts: 1 MiB, the alignment sfdisk and every installer use. */
    public static final long PARTITION_OFFSET = 1024 * 1024;

    private static final long SECTOR = 512;
    /** GPT needs 33 sectors at the end of the disk for the backup header and table. */
    private static final long GPT_BACKUP_BYTES = 33 * SECTOR;
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);

    private DiskImages() {}

    /**
     * Writes a raw image of {@code size} bytes holding an ext4 file system with the given files
     * (absolute paths inside the file system, parent directories made as needed).
     *
     * <p>Inode tables and journal are initialised now, not lazily by the guest's kernel on first
     * mount, so the guest issues only the I/O its test asks for.
     */
    public static void ext4(Path image, long size, Map<String, byte[]> files) throws IOException {
        Path content = Files.createTempDirectory("jimg-ext4");
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path target = content.resolve(relative(file.getKey()));
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue());
            }
            createSized(image, size);
            HostCommand.run(TOOL_TIMEOUT, "mkfs.ext4", "-q", "-F",
                    "-E", "lazy_itable_init=0,lazy_journal_init=0",
                    "-d", content.toString(), image.toString());
        } finally {
            deleteTree(content);
        }
    }

    /**
     * Writes a GPT-partitioned raw disk of {@code size} bytes whose single Linux partition starts at
     * {@link #PARTITION_OFFSET} and holds a copy of {@code partitionImage}, e.g. one made by
     * {@link #ext4}. The guest sees the partition as, e.g., {@code /dev/vda1}.
     */
    public static void gpt(Path disk, long size, Path partitionImage) throws IOException {
        long partitionSize = Files.size(partitionImage);
        if (partitionSize % SECTOR != 0) {
            throw new IllegalArgumentException("partition image " + partitionImage + " is "
                    + partitionSize + " bytes, not a whole number of sectors");
        }
        if (PARTITION_OFFSET + partitionSize + GPT_BACKUP_BYTES > size) {
            throw new IllegalArgumentException("a " + size + "-byte disk cannot hold a " + partitionSize
                    + "-byte partition at " + PARTITION_OFFSET + " plus the GPT backup");
        }
        createSized(disk, size);
        Path script = Files.createTempFile("jimg-sfdisk", ".txt");
        try {
            Files.writeString(script, "label: gpt\nstart=" + PARTITION_OFFSET / SECTOR
                    + ", size=" + partitionSize / SECTOR + ", type=linux\n");
            HostCommand.run(TOOL_TIMEOUT, script, List.of("sfdisk", "-q", disk.toString()));
        } finally {
            Files.deleteIfExists(script);
        }
        try (FileChannel from = FileChannel.open(partitionImage);
                FileChannel to = FileChannel.open(disk, StandardOpenOption.WRITE)) {
            long done = 0;
            while (done < partitionSize) {
                done += from.transferTo(done, partitionSize - done, to.position(PARTITION_OFFSET + done));
            }
        }
    }

    /** A file's contents from the ext4 file system in a raw image. */
    public static byte[] readExt4File(Path image, String path) throws IOException {
        return readExt4File(image, 0, path);
    }

    /** A file's contents from the ext4 file system that starts {@code offset} bytes into a disk. */
    public static byte[] readExt4File(Path disk, long offset, String path) throws IOException {
        Path out = Files.createTempFile("jimg-debugfs", ".out");
        Files.delete(out); // debugfs writes the file only if the path exists in the image
        try {
            String device = offset == 0 ? disk.toString() : disk + "?offset=" + offset;
            HostCommand.Output output = HostCommand.run(TOOL_TIMEOUT,
                    "debugfs", "-R", "dump -p " + path + " " + out, device);
            if (!Files.exists(out)) {
                throw new IOException("debugfs found no " + path + " in " + device + ": " + output.stderr().strip());
            }
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A sparse file of zeros. */
    private static void createSized(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            raf.setLength(size);
        }
    }

    private static String relative(String path) {
        if (!path.startsWith("/") || path.contains("..")) {
            throw new IllegalArgumentException("file path " + path + " must be absolute and stay inside the file system");
        }
        return path.substring(1);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
