import dev.jimg.block.BlockNode;
import dev.jimg.block.CacheMode;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.util.ZeroDetector;
import dev.jimg.formats.Formats;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The VDI and VMDK drivers alone, without the convert engine: copies a raw file into a new image
 * (2 MiB pieces, all-zero pieces skipped, as convert does) or reads an image to the end, and prints
 * the seconds spent inside one JVM after start-up. Run by run.sh with the jimg jar on the class path:
 * <pre>
 *   java -cp cli/target/jimg.jar bench/formats/DriverThroughput.java write SRC.raw OUT FORMAT [k=v,...]
 *   java -cp cli/target/jimg.jar bench/formats/DriverThroughput.java read IMAGE
 * </pre>
 * A streamOptimized target is written with its CompressedWrites on all cores, writes in order.
 */
public final class DriverThroughput {
    private static final int CHUNK = 2 << 20;

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        if (args[0].equals("write")) {
            write(Path.of(args[1]), Path.of(args[2]), args[3], args.length > 4 ? args[4] : "");
        } else {
            read(Path.of(args[1]));
        }
        System.out.printf("%.2f%n", (System.nanoTime() - start) / 1e9);
    }

    private static void write(Path src, Path out, String format, String opts) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String kv : opts.split(",")) {
            if (!kv.isEmpty()) {
                options.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ)) {
            long size = in.size();
            FormatDriver driver = Formats.registry().require(format);
            driver.create(new CreateRequest(out, out.toString(), size, ImageOptions.of(driver.createOptions(), options),
                    (n, f, r, o) -> { throw new IllegalStateException("no backing"); }));
            ImageOpener opener = new ImageOpener(Formats.registry(), w -> { });
            try (BlockNode node = opener.open(out.toString(), format,
                    OpenOptions.builder().cache(CacheMode.UNSAFE).build())) {
                var compressed = node.capability(CompressedWrites.class);
                if (compressed.isPresent()) {
                    writeCompressed(in, size, node, compressed.get());
                } else {
                    ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                    for (long pos = 0; pos < size; pos += CHUNK) {
                        buf.clear().limit((int) Math.min(CHUNK, size - pos));
                        in.read(buf, pos);
                        buf.flip();
                        if (!ZeroDetector.isZero(buf)) {
                            node.write(pos, buf);
                        }
                    }
                }
            }
        }
    }

    private static void writeCompressed(FileChannel in, long size, BlockNode node, CompressedWrites cw)
            throws Exception {
        int unit = cw.compressionUnit();
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        try {
            for (long pos = 0; pos < size; pos += CHUNK) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, size - pos));
                in.read(buf, pos);
                List<Future<byte[]>> parts = new ArrayList<>();
                for (int off = 0; off < buf.capacity(); off += unit) {
                    ByteBuffer u = buf.slice(off, Math.min(unit, buf.capacity() - off));
                    parts.add(pool.submit(() -> cw.compress(u)));
                }
                for (int i = 0; i < parts.size(); i++) {
                    byte[] c = parts.get(i).get();
                    if (c != null) {
                        cw.writeCompressed(pos + (long) i * unit, c);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    private static void read(Path image) throws Exception {
        ImageOpener opener = new ImageOpener(Formats.registry(), w -> { });
        try (BlockNode node = opener.open(image.toString(), null, OpenOptions.readOnlyDefaults())) {
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            long size = node.size();
            for (long pos = 0; pos < size; pos += CHUNK) {
                buf.clear().limit((int) Math.min(CHUNK, size - pos));
                node.read(pos, buf);
            }
        }
    }
}
