package dev.jimg.block;

import java.util.Locale;

/** QEMU's {@code discard=} option: whether guest discards reach the image. */
public enum DiscardMode {
    IGNORE,
    UNMAP;

    public static DiscardMode parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "ignore", "off" -> IGNORE;
            case "unmap", "on" -> UNMAP;
            default -> throw new ImageException("Invalid discard option: " + name);
        };
    }
}
