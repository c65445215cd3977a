package dev.jimg.emulator.machine;

import dev.jimg.block.BlockNode;
import java.util.Objects;

/**
 * A disk for a virtio-blk device.
 *
 * @param node     the block node the device reads and writes
 * @param serial   what GET_ID reports (at most 20 bytes are used)
 * @param readOnly whether the guest sees a read-only disk (VIRTIO_BLK_F_RO)
 * @param mayUnmap whether zeroing requests may free storage ({@code discard=unmap})
 */
public record VirtioDisk(BlockNode node, String serial, boolean readOnly, boolean mayUnmap) {
    public VirtioDisk {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(serial, "serial");
    }
}
