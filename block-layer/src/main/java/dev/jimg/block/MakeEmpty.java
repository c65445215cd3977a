package dev.jimg.block;

import java.io.IOException;

/**
 * Dropping all of an image's own data so that it reads through to its backing file again — the
 * last step of {@code qemu-img commit} (QEMU's {@code bdrv_make_empty}).
 */
public interface MakeEmpty {
    void makeEmpty() throws IOException;
}
