package dev.jimg.formats.qcow2;

/**
 * Reads and writes one refcount inside a refcount block. Widths of 1, 2 and 4 bits are packed
 * least significant first within a byte; 8 to 64 bits are big-endian words (qcow2.txt,
 * "Host cluster management"). Refcounts of 64 bits are limited to {@code Long.MAX_VALUE}.
 */
final class RefcountField {
    private final int order;
    private final long max;

    RefcountField(int order) {
        if (order < 0 || order > 6) {
            throw new IllegalArgumentException("refcount order " + order);
        }
        this.order = order;
        this.max = order == 6 ? Long.MAX_VALUE : (1L << (1 << order)) - 1;
    }

    int bits() {
        return 1 << order;
    }

    long max() {
        return max;
    }

    /** Refcount entries per block of {@code clusterSize} bytes. */
    long entriesPerBlock(int clusterSize) {
        return (long) clusterSize * 8 >>> order;
    }

    long get(byte[] block, int index) {
        return switch (order) {
            case 0, 1, 2 -> {
                int perByte = 8 >>> order;
                int shift = (index % perByte) << order;
                yield (block[index / perByte] >>> shift) & max;
            }
            case 3 -> block[index] & 0xffL;
            case 4 -> ((block[2 * index] & 0xffL) << 8) | (block[2 * index + 1] & 0xffL);
            case 5 -> {
                long v = 0;
                for (int i = 0; i < 4; i++) {
                    v = (v << 8) | (block[4 * index + i] & 0xffL);
                }
                yield v;
            }
            default -> {
                long v = 0;
                for (int i = 0; i < 8; i++) {
                    v = (v << 8) | (block[8 * index + i] & 0xffL);
                }
                yield v;
            }
        };
    }

    void set(byte[] block, int index, long value) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException("refcount " + value + " does not fit in " + bits() + " bits");
        }
        switch (order) {
            case 0, 1, 2 -> {
                int perByte = 8 >>> order;
                int shift = (index % perByte) << order;
                int at = index / perByte;
                block[at] = (byte) ((block[at] & ~(max << shift)) | (value << shift));
            }
            case 3 -> block[index] = (byte) value;
            default -> {
                int width = bits() / 8;
                for (int i = width - 1; i >= 0; i--) {
                    block[width * index + i] = (byte) value;
                    value >>>= 8;
                }
            }
        }
    }
}
