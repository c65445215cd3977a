package dev.jimg.block;

import java.util.Locale;

/**
 * QEMU's {@code detect-zeroes=} option: writes whose buffer is all zero become
 * {@link BlockNode#writeZeroes} calls ({@code UNMAP}: with may-unmap when discard is on).
 */
public enum DetectZeroes {
    OFF,
    ON,
    UNMAP;

    public static DetectZeroes parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "off" -> OFF;
            case "on" -> ON;
            case "unmap" -> UNMAP;
            default -> throw new ImageException("Invalid detect-zeroes option: " + name);
        };
    }
}
