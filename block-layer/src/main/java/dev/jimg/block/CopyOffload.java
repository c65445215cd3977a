package dev.jimg.block;

import java.io.IOException;

/**
 * Copying between two nodes without the bytes passing through jimg's memory: QEMU's copy
 * offloading ({@code bdrv_co_copy_range}), here {@code copy_file_range(2)} between host files.
 * The file node offers it, and a raw image over one. {@code convert} uses it for data it has
 * read and checked for zeroes already: the kernel then copies page cache to page cache instead
 * of jimg writing its buffer back, one copy through user memory less.
 */
public interface CopyOffload {
    /**
     * Copies {@code length} bytes at {@code srcOffset} of {@code source} to {@code offset} of this
     * node, as far as it can without a buffer, and returns how many bytes from the start of the
     * range it copied: all, or fewer — down to 0 where {@code source} and this node cannot copy
     * to each other so (another kind of node, another file system, a kernel without the call).
     * The caller writes the rest itself. The range rules of {@link BlockNode#write} apply.
     */
    long copyFrom(BlockNode source, long srcOffset, long offset, long length) throws IOException;
}
