package dev.jimg.formats.vdi;

import dev.jimg.block.CheckResult;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * {@code check} of a VDI image: the block map must name every data block at most once, only
 * blocks that exist, and as many as the header counts — qemu-img's checks, in its words — and
 * beyond qemu, no block may lie past the end of the file.
 */
final class VdiCheck {
    private VdiCheck() {
    }

    static CheckResult run(VdiHeader header, BlockMap map, long fileSize, Consumer<String> report) {
        long corruptions = 0;
        long allocated = 0;
        int[] user = new int[(int) Math.min(map.size(), Math.max(0, (fileSize - header.offsetData) / header.blockSize) + 1)];
        Arrays.fill(user, -1);
        for (int block = 0; block < map.size(); block++) {
            int entry = map.get(block);
            if (!BlockMap.isAllocated(entry)) {
                continue;
            }
            long index = Integer.toUnsignedLong(entry);
            if (index >= header.blocksInImage) {
                report.accept("ERROR: block index " + block + " too large, is " + index);
                corruptions++;
                continue;
            }
            allocated++;
            long offset = header.dataOffset(index);
            if (offset >= fileSize) {
                report.accept("ERROR: block index " + block + " points to data block " + index + " at offset "
                        + offset + ", past the end of the file (" + fileSize + " bytes)");
                corruptions++;
                continue;
            }
            if (user[(int) index] >= 0) {
                report.accept("ERROR: block index " + user[(int) index] + " also used by " + block);
                corruptions++;
            } else {
                user[(int) index] = block;
            }
        }
        if (allocated != header.blocksAllocated) {
            report.accept("ERROR: allocated blocks mismatch, is " + allocated + ", should be "
                    + header.blocksAllocated);
            corruptions++;
        }
        return new CheckResult(corruptions, 0, 0, 0, 0, -1, -1, -1, -1, -1);
    }
}
