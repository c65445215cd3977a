package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CompressedWrites;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.ImageOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A seeded random mix of writes, write-zeroes, discards and compressed writes applied both to an
 * image and to a plain byte array (the model of what the guest must read back).
 */
final class Workload {
    private final Random random;
    final byte[] model;
    private final int clusterSize;
    /** What a discarded whole cluster reads as afterwards: zeroes (v3, or no backing), or the backing data (v2). */
    private final byte[] discarded;
    private final boolean compress;

    /**
     * @param initial         what the image reads before the workload (backing data, or zeroes)
     * @param zeroesOnDiscard whether a discarded whole cluster reads as zeroes afterwards (v3, or no
     *                        backing file); otherwise it reads as {@code initial} (the backing data)
     */
    Workload(long seed, byte[] initial, int clusterSize, boolean zeroesOnDiscard, boolean compress) {
        this.random = new Random(seed);
        this.model = initial.clone();
        this.clusterSize = clusterSize;
        this.discarded = zeroesOnDiscard ? new byte[initial.length] : initial.clone();
        this.compress = compress;
    }

    static void create(Path path, long size, Map<String, String> options) throws IOException {
        Qcow2Driver driver = new Qcow2Driver();
        Map<String, String> o = new LinkedHashMap<>(options);
        ImageOptions opts = ImageOptions.of(driver.createOptions(), o);
        ImageOpener opener = QemuTools.opener();
        driver.create(new CreateRequest(path, path.toString(), size, opts,
                (name, format, relativeTo, oo) -> opener.open(
                        ImageOpener.combine(relativeTo.toString(), name), format, OpenOptions.readOnlyDefaults())));
    }

    /** Runs {@code ops} random operations. */
    void run(BlockNode node, int ops) throws IOException {
        for (int i = 0; i < ops; i++) {
            step(node);
        }
    }

    String last = "";

    void step(BlockNode node) throws IOException {
        int size = model.length;
        int kind = random.nextInt(10);
        long off = randomOffset(size);
        int len = (int) Math.min(size - off, 1 + random.nextInt(3 * clusterSize + 1));
        if (random.nextInt(3) == 0) {
            off = off / clusterSize * clusterSize;
            len = (int) Math.min(size - off, clusterSize * (1 + random.nextInt(3)));
        }
        if (len <= 0) {
            return;
        }
        last = "kind=" + kind + " off=" + off + " len=" + len;
        switch (kind) {
            case 0, 1, 2, 3, 4 -> {
                byte[] data = new byte[len];
                byte fill = (byte) (1 + random.nextInt(255));
                for (int j = 0; j < len; j++) {
                    data[j] = (byte) (fill + j / 512);
                }
                node.write(off, ByteBuffer.wrap(data));
                System.arraycopy(data, 0, model, (int) off, len);
            }
            case 5, 6 -> {
                boolean unmap = random.nextBoolean();
                last += " unmap=" + unmap;
                node.writeZeroes(off, len, unmap);
                Arrays.fill(model, (int) off, (int) off + len, (byte) 0);
            }
            case 7 -> {
                node.discard(off, len);
                long start = (off + clusterSize - 1) / clusterSize * clusterSize;
                long end = off + len == size ? size : (off + len) / clusterSize * clusterSize;
                if (start < end) {
                    System.arraycopy(discarded, (int) start, model, (int) start, (int) (end - start));
                }
            }
            case 8 -> {
                if (compress) {
                    compressedWrite(node, off);
                } else {
                    node.flush();
                }
            }
            default -> node.flush();
        }
    }

    private void compressedWrite(BlockNode node, long off) throws IOException {
        CompressedWrites cw = node.capability(CompressedWrites.class).orElseThrow();
        long start = off / clusterSize * clusterSize;
        int len = (int) Math.min(clusterSize, model.length - start);
        last += " compressed at " + start + " len " + len;
        byte[] data = new byte[len];
        byte fill = (byte) random.nextInt(4);
        for (int j = 0; j < len; j++) {
            data[j] = (byte) (fill * (j / 1000));
        }
        byte[] c = cw.compress(ByteBuffer.wrap(data));
        if (c == null) {
            node.write(start, ByteBuffer.wrap(data));
        } else {
            cw.writeCompressed(start, c);
        }
        System.arraycopy(data, 0, model, (int) start, len);
    }

    private long randomOffset(int size) {
        return (long) (random.nextDouble() * size);
    }

    /** Reads the whole node and compares it with the model. */
    void verify(BlockNode node) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(model.length);
        node.read(0, b);
        assertArrayEquals(model, b.array());
    }
}
