package dev.jimg.block;

import java.io.IOException;

/**
 * Rewriting the backing file reference in the header without touching data
 * ({@code qemu-img rebase -u}, and the last step of a safe rebase).
 */
public interface BackingFileChange {
    /**
     * @param name   the new backing file name as it should be stored, or {@code null} to remove it
     * @param format the backing format to record, or {@code null} for none
     */
    void changeBackingFile(String name, String format) throws IOException;
}
