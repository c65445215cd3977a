package dev.jimg.formats.fuzz;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.jimg.block.BlockNode;
import dev.jimg.block.ChainStatus;
import dev.jimg.block.Checkable;
import dev.jimg.block.Extent;
import dev.jimg.block.FormatSpecific;
import dev.jimg.block.ImageException;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.Snapshots;
import dev.jimg.formats.Formats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the fuzz targets do with an arbitrary byte array: store it as an image file on an
 * in-memory file system, open it as one format, and put it through what the command line does
 * with a stranger's image — {@code info}, {@code check}, {@code map}, reading — then open it
 * read-write and write a little.
 *
 * <p>The verdicts a hostile image may get are {@link ImageException} (and its subclasses) and
 * {@link IOException}; they are caught here. Anything else escapes and is a finding: a runtime
 * exception, an assertion below, a timeout of the caller, or an allocation beyond
 * {@link #allocationBound}.
 */
final class ImageWorkout {
    /**
     * Fixed allocation an open, info, check and map may make whatever the file: buffers, caches
     * at their caps, the class loading of a first run. Above it, a driver may allocate in
     * proportion to the file it was given, never to what the file claims.
     */
    static final long ALLOCATION_BASE = 64L << 20;
    /** Bytes allocated per byte of file allowed above {@link #ALLOCATION_BASE}. */
    static final long ALLOCATION_PER_FILE_BYTE = 16;
    /** Extents of the map visited: a hostile image may describe billions of them. */
    static final int MAX_MAP_EXTENTS = 4096;
    /** Bytes read back per extent and in total, so that a claimed 2 TiB disk reads in bounded time. */
    static final int READ_PER_EXTENT = 64 << 10;
    static final long READ_TOTAL = 8L << 20;
    private static final int SECTOR = 512;

    /**
     * A hostile image can make a driver write far past the end of the file (where its tables
     * say); a real disk answers that with ENOSPC or EFBIG, so the in-memory one has a size too.
     */
    static final long FILE_SYSTEM_BYTES = 1L << 30;
    private static final FileSystem FS = Jimfs.newFileSystem(
            Configuration.unix().toBuilder().setMaxSize(FILE_SYSTEM_BYTES).build());
    private static final ImageOpener OPENER = new ImageOpener(Formats.registry(), FS, warning -> { });
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private ImageWorkout() {
    }

    /** Runs the workout of {@code image} opened as {@code format}. */
    static void run(String format, byte[] image) throws IOException {
        Path file = FS.getPath("/fuzz-" + Thread.currentThread().threadId() + "." + format);
        Files.write(file, image);
        try {
            readOnlyPass(format, file, image.length);
            readWritePass(format, file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * What an xz decoder may allocate whatever the file's size: the dictionary its header asks
     * for, up to the codec's memory limit (256 MiB, the container driver's XZ_MEMORY_LIMIT_KIB).
     * A few hundred bytes of xz -9 output legitimately need a 64 MiB dictionary.
     */
    static final long XZ_DECODER_ALLOWANCE = 256L << 20;

    /** The allocation an open, info, check and map of a file of {@code fileSize} bytes may make. */
    static long allocationBound(String format, long fileSize) {
        long fixed = ALLOCATION_BASE + (format.equals("xz") ? XZ_DECODER_ALLOWANCE : 0);
        return fixed + ALLOCATION_PER_FILE_BYTE * fileSize;
    }

    private static void readOnlyPass(String format, Path file, long fileSize) throws IOException {
        long used = inspect(format, file, true);
        if (used > allocationBound(format, fileSize)) {
            // The first pass of a JVM also loads (and under the fuzzer instruments) classes on
            // this thread; only a repeat that allocates as much is the image's doing.
            used = inspect(format, file, false);
            if (used > allocationBound(format, fileSize)) {
                throw new AssertionError("opening, info, check and map of a " + fileSize + "-byte " + format
                        + " file allocated " + used + " bytes, more than the bound "
                        + allocationBound(format, fileSize));
            }
        }
    }

    /** Opens read-only, runs info, check and map, then reads; returns the bytes allocated before reading. */
    private static long inspect(String format, Path file, boolean read) throws IOException {
        OpenOptions options = OpenOptions.builder().readOnly(true).noBacking(true).build();
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try (BlockNode node = OPENER.open(file.toString(), format, options)) {
            info(node);
            check(node);
            List<Extent> extents = map(node);
            long used = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (read) {
                readBack(node, extents);
            }
            return used;
        } catch (ImageException | IOException e) {
            requireMessage(e);
            return THREADS.getCurrentThreadAllocatedBytes() - before;
        }
    }

    private static void readWritePass(String format, Path file) throws IOException {
        OpenOptions options = OpenOptions.builder().noBacking(true).build();
        try (BlockNode node = OPENER.open(file.toString(), format, options)) {
            if (node.isReadOnly()) {
                return;
            }
            long size = node.size();
            if (size < SECTOR) {
                return;
            }
            long last = (size - SECTOR) / SECTOR * SECTOR;
            long middle = size / 2 / SECTOR * SECTOR;
            byte[] pattern = pattern(SECTOR * 3, 0x5a);
            int len = (int) Math.min(pattern.length, size - last);
            long third = size / 3 / SECTOR * SECTOR;
            node.writeZeroes(middle, Math.min(64 << 10, size - middle), true);
            node.write(0, ByteBuffer.wrap(pattern, 0, (int) Math.min(pattern.length, size)));
            node.write(last, ByteBuffer.wrap(pattern, 0, len));
            if (third < middle) {
                node.discard(third, Math.min(1 << 20, middle - third));
            }
            node.flush();
            expect(node, last, Arrays.copyOf(pattern, len), "the last sector written");
            if (middle >= SECTOR * 3 && middle + SECTOR <= last) {
                expect(node, middle, new byte[SECTOR], "the zeroed range");
            }
            check(node);
        } catch (ImageException | IOException e) {
            requireMessage(e);
        } catch (NullPointerException e) {
            if (!isJimfsBeyondItsAddressRange(e)) {
                throw e;
            }
        }
    }

    /**
     * A damaged table can send a write to a host offset of hundreds of TiB, as in QEMU; a real file
     * system answers EFBIG (ext4 stops at 16 TiB). jimfs indexes its blocks with an {@code int}, and
     * past 2^31 blocks its zero-filling of the gap fails with a NullPointerException of its own
     * instead of an IOException. That is the in-memory disk's verdict, not the driver's.
     */
    private static boolean isJimfsBeyondItsAddressRange(NullPointerException e) {
        StackTraceElement[] stack = e.getStackTrace();
        for (StackTraceElement frame : stack) {
            if (frame.getClassName().startsWith("dev.jimg.")) {
                return false;
            }
            if (frame.getClassName().equals("com.google.common.jimfs.RegularFile")
                    && frame.getMethodName().equals("zero")) {
                return true;
            }
        }
        return false;
    }

    private static void info(BlockNode node) throws IOException {
        node.size();
        node.clusterSize();
        node.allocatedBytes();
        node.backingReference();
        node.isDirty();
        node.capability(FormatSpecific.class).ifPresent(f -> String.valueOf(f.formatSpecificData()));
        var snapshots = node.capability(Snapshots.class);
        if (snapshots.isPresent()) {
            snapshots.get().list();
        }
    }

    private static void check(BlockNode node) throws IOException {
        var checkable = node.capability(Checkable.class);
        if (checkable.isPresent()) {
            checkable.get().check(Checkable.Repair.NONE, line -> { });
        }
    }

    private static List<Extent> map(BlockNode node) throws IOException {
        long size = node.size();
        List<Extent> extents = new ArrayList<>();
        long pos = 0;
        while (pos < size && extents.size() < MAX_MAP_EXTENTS) {
            Extent e = ChainStatus.of(node, pos, size - pos);
            if (e.offset() != pos || e.length() <= 0 || e.end() > size) {
                throw new AssertionError("block status at " + pos + " of " + size + " answered " + e);
            }
            extents.add(e);
            pos = e.end();
        }
        return extents;
    }

    private static void readBack(BlockNode node, List<Extent> extents) throws IOException {
        long budget = READ_TOTAL;
        for (Extent e : extents) {
            if (budget <= 0) {
                break;
            }
            int n = (int) Math.min(Math.min(e.length(), READ_PER_EXTENT), budget);
            ByteBuffer buf = ByteBuffer.allocate(n);
            node.read(e.offset(), buf);
            if (buf.hasRemaining()) {
                throw new AssertionError("read at " + e.offset() + " left " + buf.remaining() + " bytes unfilled");
            }
            if (e.isZero() && !e.isData() && !isZero(buf.array())) {
                throw new AssertionError("map says zero at " + e.offset() + " but the bytes read are not");
            }
            budget -= n;
        }
    }

    private static void expect(BlockNode node, long offset, byte[] expected, String what) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(expected.length);
        node.read(offset, buf);
        if (!Arrays.equals(expected, buf.array())) {
            throw new AssertionError(what + " at " + offset + " does not read back as written");
        }
    }

    private static void requireMessage(Exception e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("an image error without a message", e);
        }
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i / SECTOR + i * 7);
        }
        return b;
    }
}
