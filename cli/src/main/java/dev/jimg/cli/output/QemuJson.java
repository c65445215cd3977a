package dev.jimg.cli.output;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON as qemu-img prints it, byte for byte: four-space indentation, and object members in the
 * order QEMU's {@code QDict} iterates them — by hash bucket, newest first within a bucket — so
 * that {@code --output=json} of jimg and qemu-img can be compared as text.
 *
 * <p>Objects are {@link Map}s whose insertion order is the QAPI schema's field order (the order
 * QEMU inserts them); values are strings, numbers, booleans, lists and nested maps.
 */
public final class QemuJson {
    /** {@code QDICT_BUCKET_MAX} in QEMU. */
    private static final int BUCKETS = 512;

    private QemuJson() {
    }

    /** The pretty-printed text, without a trailing newline. */
    public static String pretty(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, int indent) {
        if (value instanceof Map<?, ?> map) {
            writeObject(out, map, indent);
        } else if (value instanceof List<?> list) {
            writeArray(out, list, indent);
        } else if (value instanceof String s) {
            quote(out, s);
        } else if (value instanceof Boolean || value instanceof Number) {
            out.append(value);
        } else if (value == null) {
            out.append("null");
        } else {
            throw new IllegalArgumentException("cannot print " + value.getClass().getName() + " as JSON");
        }
    }

    private static void writeObject(StringBuilder out, Map<?, ?> map, int indent) {
        if (map.isEmpty()) {
            out.append("{\n").append(" ".repeat(indent * 4)).append('}');
            return;
        }
        out.append("{\n");
        List<String> keys = qdictOrder(map);
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            out.append(" ".repeat((indent + 1) * 4));
            quote(out, key);
            out.append(": ");
            write(out, map.get(key), indent + 1);
            out.append(i + 1 < keys.size() ? ",\n" : "\n");
        }
        out.append(" ".repeat(indent * 4)).append('}');
    }

    private static void writeArray(StringBuilder out, List<?> list, int indent) {
        if (list.isEmpty()) {
            out.append("[\n").append(" ".repeat(indent * 4)).append(']');
            return;
        }
        out.append("[\n");
        for (int i = 0; i < list.size(); i++) {
            out.append(" ".repeat((indent + 1) * 4));
            write(out, list.get(i), indent + 1);
            out.append(i + 1 < list.size() ? ",\n" : "\n");
        }
        out.append(" ".repeat(indent * 4)).append(']');
    }

    /** The iteration order of a QDict filled with {@code map}'s keys in insertion order. */
    static List<String> qdictOrder(Map<?, ?> map) {
        List<String> keys = new ArrayList<>();
        for (Object k : map.keySet()) {
            keys.add((String) k);
        }
        List<String> ordered = new ArrayList<>(keys.size());
        int[] buckets = new int[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            buckets[i] = Integer.remainderUnsigned(hash(keys.get(i)), BUCKETS);
        }
        for (int bucket = 0; bucket < BUCKETS && ordered.size() < keys.size(); bucket++) {
            // QEMU inserts at the head of a bucket's list: later keys come first.
            for (int i = keys.size() - 1; i >= 0; i--) {
                if (buckets[i] == bucket) {
                    ordered.add(keys.get(i));
                }
            }
        }
        return ordered;
    }

    /** The string hash QEMU's QDict uses (originally from TDB): a function of length and bytes. */
    static int hash(String key) {
        byte[] bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int value = 0x238F13AF * bytes.length;
        for (int i = 0; i < bytes.length; i++) {
            value += (bytes[i] & 0xFF) << (i * 5 % 24);
        }
        return 1103515243 * value + 12345;
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c >= 0x7F) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
