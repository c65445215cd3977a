package dev.jimg.cli;

import dev.jimg.block.ImageException;
import dev.jimg.block.util.QemuOptionSyntax;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * qemu's {@code key=value,key2=value2} option strings ({@code -o}, {@code -drive}): a doubled
 * comma is a literal comma; several {@code -o} are merged, later keys winning.
 */
public final class OptionString {
    private OptionString() {
    }

    /** Parses and merges {@code strings}; a bare word is {@code key=on} unless {@code implied} says otherwise. */
    public static Map<String, String> parse(List<String> strings) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String s : strings) {
            out.putAll(parse(s, null));
        }
        return out;
    }

    /**
     * Parses one string. A first element without {@code =} is stored under {@code impliedKey}
     * (e.g. {@code -drive disk.img} means {@code file=disk.img}); other bare words are rejected.
     */
    public static Map<String, String> parse(String s, String impliedKey) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> items = QemuOptionSyntax.items(s);
        for (int k = 0; k < items.size(); k++) {
            String part = items.get(k);
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq < 0) {
                if (k == 0 && impliedKey != null) {
                    out.put(impliedKey, part);
                } else if (part.equals("help") || part.equals("?")) {
                    out.put("help", "on");
                } else {
                    throw new ImageException("Invalid parameter '" + part + "'");
                }
            } else {
                out.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return out;
    }

    /** Whether the options ask for help ({@code -o help} or {@code -o ?}). */
    public static boolean wantsHelp(Map<String, String> options) {
        return options.containsKey("help");
    }
}
