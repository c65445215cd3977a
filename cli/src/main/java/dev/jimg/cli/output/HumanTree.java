package dev.jimg.cli.output;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * qemu-img's human rendering of nested data ({@code dump_qdict}/{@code dump_qlist}): keys with
 * dashes turned into spaces, four spaces per level, list items as {@code [i]:}, members in the same
 * order as the JSON output.
 */
public final class HumanTree {
    private HumanTree() {
    }

    public static void print(Map<String, Object> map, int indent, PrintStream out) {
        for (String key : QemuJson.qdictOrder(map)) {
            Object value = map.get(key);
            boolean composite = value instanceof Map || value instanceof List;
            out.print(" ".repeat(indent * 4) + key.replace('-', ' ') + ":" + (composite ? "\n" : " "));
            printValue(value, indent + 1, out);
        }
    }

    @SuppressWarnings("unchecked")
    private static void printValue(Object value, int indent, PrintStream out) {
        if (value instanceof Map<?, ?> m) {
            print((Map<String, Object>) m, indent, out);
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                Object item = list.get(i);
                boolean composite = item instanceof Map || item instanceof List;
                out.print(" ".repeat(indent * 4) + "[" + i + "]:" + (composite ? "\n" : " "));
                printValue(item, indent + 1, out);
            }
        } else {
            out.println(value);
        }
    }
}
