package dev.jimg.block.util;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import java.io.IOException;

/**
 * QEMU's {@code BDRV_BLOCK_RECURSE}: for data a format stores at a plain host offset in a file that
 * may have holes (a preallocated VDI, a flat VMDK extent), the host file's own status decides
 * whether the bytes read as zero, and {@code map} reports them so ("zero": true, "data": true).
 */
public final class HostStatus {
    private HostStatus() {
    }

    /**
     * Refines {@code data}, an extent with a host offset in {@code file}, by the file's status at
     * that offset: the result is no longer than the file's run and carries {@link Extent#ZERO}
     * when the file reads as zero there (a hole, or past its end).
     */
    public static Extent refineByFile(Extent data, BlockNode file) throws IOException {
        if (!data.hasHostOffset()) {
            throw new IllegalArgumentException("extent without host offset cannot be refined: " + data);
        }
        Extent host = file.blockStatus(data.hostOffset(), data.length());
        long length = Math.min(data.length(), host.length());
        Extent out = data.truncated(length);
        return host.isZero() ? out.withFlags(out.flags() | Extent.ZERO) : out;
    }
}
