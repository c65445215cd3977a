package dev.jimg.block;

import java.util.Optional;

/**
 * A backing file as recorded in an image header.
 *
 * @param name     the name exactly as stored ({@code backing-filename})
 * @param fullName the name resolved against the image's directory ({@code full-backing-filename}),
 *                 as QEMU resolves relative names
 * @param format   the stored backing format ({@code backing-filename-format}), if any
 */
public record BackingReference(String name, String fullName, Optional<String> format) {
    public BackingReference {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a backing reference needs a name");
        }
    }
}
