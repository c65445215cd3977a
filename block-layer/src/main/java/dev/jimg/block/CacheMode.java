package dev.jimg.block;

import java.util.Locale;

/**
 * QEMU's cache modes ({@code -t} in qemu-img, {@code cache=} of {@code -drive}). They decide
 * whether each write is made durable at once and whether flushes reach the disk.
 */
public enum CacheMode {
    /** Writes go to the host page cache; {@code flush} calls fdatasync. The default. */
    WRITEBACK("writeback", false, true),
    /** Like writeback but meant to bypass the host cache (O_DIRECT); flushes still sync. */
    NONE("none", false, true),
    /** Every write is durable before it completes (O_DSYNC). */
    WRITETHROUGH("writethrough", true, true),
    /** O_DIRECT plus O_DSYNC: durable per write. */
    DIRECTSYNC("directsync", true, true),
    /** Flushes are ignored: fastest, and a host crash may lose anything. */
    UNSAFE("unsafe", false, false);

    private final String qemuName;
    private final boolean syncEachWrite;
    private final boolean honourFlush;

    CacheMode(String qemuName, boolean syncEachWrite, boolean honourFlush) {
        this.qemuName = qemuName;
        this.syncEachWrite = syncEachWrite;
        this.honourFlush = honourFlush;
    }

    public String qemuName() {
        return qemuName;
    }

    /** Whether each write must be durable before it returns. */
    public boolean syncEachWrite() {
        return syncEachWrite;
    }

    /** Whether {@link BlockNode#flush()} must reach stable storage. */
    public boolean honourFlush() {
        return honourFlush;
    }

    /** Parses qemu's spelling; qemu-img also accepts {@code off} for none and {@code on} for writeback. */
    public static CacheMode parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "off":
                return NONE;
            case "on":
                return WRITEBACK;
            default:
                for (CacheMode mode : values()) {
                    if (mode.qemuName.equals(n)) {
                        return mode;
                    }
                }
                throw new ImageException("Invalid cache option: " + name);
        }
    }
}
