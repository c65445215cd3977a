package dev.jimg.block;

import java.util.Map;

/**
 * The {@code format-specific} block of {@code qemu-img info}: {@code type} and a {@code data} map
 * whose keys are qemu's QAPI names ({@code compat}, {@code lazy-refcounts}, …). Values are
 * strings, numbers, booleans, lists or nested maps, in the order qemu prints them.
 */
public interface FormatSpecific {
    /** The {@code type} qemu prints (usually the format name). */
    String formatSpecificType();

    Map<String, Object> formatSpecificData();
}
