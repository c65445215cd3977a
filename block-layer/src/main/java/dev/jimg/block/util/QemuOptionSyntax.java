package dev.jimg.block.util;

import java.util.ArrayList;
import java.util.List;

/**
 * The item syntax of QEMU's option strings ({@code -o}, {@code -drive}, {@code -device}, …):
 * items separated by commas, a doubled comma standing for a literal comma. What an item means
 * ({@code key=value}, a bare word) is the caller's: qemu-img and qemu-system read bare words
 * differently.
 */
public final class QemuOptionSyntax {
    private QemuOptionSyntax() {
    }

    /**
     * The items of {@code spec}, unescaped, empty ones included, so that a caller can tell the
     * first item (index 0) from the others.
     */
    public static List<String> items(String spec) {
        List<String> items = new ArrayList<>();
        int i = 0;
        while (i <= spec.length()) {
            StringBuilder item = new StringBuilder();
            while (i < spec.length()) {
                char c = spec.charAt(i);
                if (c == ',') {
                    if (i + 1 < spec.length() && spec.charAt(i + 1) == ',') {
                        item.append(',');
                        i += 2;
                        continue;
                    }
                    break;
                }
                item.append(c);
                i++;
            }
            i++;
            items.add(item.toString());
        }
        return items;
    }
}
