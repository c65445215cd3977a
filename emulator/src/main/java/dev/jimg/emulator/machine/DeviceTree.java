package dev.jimg.emulator.machine;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A device tree built in Java and serialised as a flattened device tree blob (Devicetree
 * Specification v0.4, chapter 5 "Flattened Devicetree (DTB) Format"):
 * <pre>
 *   header (10 big-endian u32): magic 0xd00dfeed, totalsize, off_dt_struct, off_dt_strings,
 *       off_mem_rsvmap, version 17, last_comp_version 16, boot_cpuid_phys, size_dt_strings,
 *       size_dt_struct
 *   memory reservation block: (u64 address, u64 size) pairs ending with (0, 0)
 *   structure block: FDT_BEGIN_NODE name | FDT_PROP len nameoff value | FDT_END_NODE ... FDT_END
 *   strings block: property names, NUL-terminated
 * </pre>
 * Property values are big-endian cells, NUL-terminated strings, or raw bytes; every token is
 * padded to 4 bytes.
 */
public final class DeviceTree {
    private static final int MAGIC = 0xd00dfeed;
    private static final int VERSION = 17;
    private static final int LAST_COMPATIBLE_VERSION = 16;
    private static final int HEADER_SIZE = 40;
    private static final int FDT_BEGIN_NODE = 1;
    private static final int FDT_END_NODE = 2;
    private static final int FDT_PROP = 3;
    private static final int FDT_END = 9;

    private final Node root = new Node("");
    private int nextPhandle = 1;

    public Node root() {
        return root;
    }

    /** A fresh phandle value, unique in this tree. */
    public int allocatePhandle() {
        return nextPhandle++;
    }

    /** A node with named properties and child nodes, in insertion order. */
    public static final class Node {
        private final String name;
        private final Map<String, byte[]> properties = new LinkedHashMap<>();
        private final List<Node> children = new ArrayList<>();

        Node(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public String name() {
            return name;
        }

        /** Adds (or returns the existing) child called {@code childName}, e.g. {@code "uart@10000000"}. */
        public Node child(String childName) {
            for (Node c : children) {
                if (c.name.equals(childName)) {
                    return c;
                }
            }
            Node c = new Node(childName);
            children.add(c);
            return c;
        }

        public List<Node> children() {
            return List.copyOf(children);
        }

        public Node find(String path) {
            Node n = this;
            for (String part : path.split("/")) {
                if (part.isEmpty()) {
                    continue;
                }
                Node next = null;
                for (Node c : n.children) {
                    if (c.name.equals(part)) {
                        next = c;
                    }
                }
                if (next == null) {
                    return null;
                }
                n = next;
            }
            return n;
        }

        public byte[] property(String propertyName) {
            byte[] v = properties.get(propertyName);
            return v == null ? null : v.clone();
        }

        /** A property of 32-bit cells. */
        public Node cells(String propertyName, int... values) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4);
            for (int v : values) {
                b.putInt(v);
            }
            properties.put(propertyName, b.array());
            return this;
        }

        /** A property of 64-bit values, each as two cells (high, low). */
        public Node longs(String propertyName, long... values) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 8);
            for (long v : values) {
                b.putLong(v);
            }
            properties.put(propertyName, b.array());
            return this;
        }

        /** A string, or a string list when given several. */
        public Node strings(String propertyName, String... values) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String v : values) {
                out.writeBytes(v.getBytes(StandardCharsets.UTF_8));
                out.write(0);
            }
            properties.put(propertyName, out.toByteArray());
            return this;
        }

        /** A property without a value ({@code interrupt-controller;}). */
        public Node flag(String propertyName) {
            properties.put(propertyName, new byte[0]);
            return this;
        }

        public Node bytes(String propertyName, byte[] value) {
            properties.put(propertyName, value.clone());
            return this;
        }
    }

    /** The blob, as firmware and kernels read it. */
    public byte[] toBlob() {
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        Map<String, Integer> stringOffsets = new LinkedHashMap<>();
        ByteArrayOutputStream struct = new ByteArrayOutputStream();
        writeNode(root, struct, strings, stringOffsets);
        putInt(struct, FDT_END);

        byte[] structBytes = struct.toByteArray();
        byte[] stringBytes = strings.toByteArray();
        int rsvmapOffset = HEADER_SIZE;
        int rsvmapSize = 16;
        int structOffset = rsvmapOffset + rsvmapSize;
        int stringsOffset = structOffset + structBytes.length;
        int total = align4(stringsOffset + stringBytes.length);

        ByteBuffer b = ByteBuffer.allocate(total);
        b.putInt(MAGIC).putInt(total).putInt(structOffset).putInt(stringsOffset).putInt(rsvmapOffset)
                .putInt(VERSION).putInt(LAST_COMPATIBLE_VERSION).putInt(0).putInt(stringBytes.length)
                .putInt(structBytes.length);
        b.putLong(0).putLong(0);
        b.put(structBytes);
        b.put(stringBytes);
        return b.array();
    }

    private static void writeNode(Node n, ByteArrayOutputStream out, ByteArrayOutputStream strings,
            Map<String, Integer> offsets) {
        putInt(out, FDT_BEGIN_NODE);
        putPadded(out, (n.name + "\0").getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> p : n.properties.entrySet()) {
            Integer off = offsets.get(p.getKey());
            if (off == null) {
                off = strings.size();
                offsets.put(p.getKey(), off);
                strings.writeBytes((p.getKey() + "\0").getBytes(StandardCharsets.UTF_8));
            }
            putInt(out, FDT_PROP);
            putInt(out, p.getValue().length);
            putInt(out, off);
            putPadded(out, p.getValue());
        }
        for (Node c : n.children) {
            writeNode(c, out, strings, offsets);
        }
        putInt(out, FDT_END_NODE);
    }

    private static void putInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void putPadded(ByteArrayOutputStream out, byte[] bytes) {
        out.writeBytes(bytes);
        for (int i = bytes.length; i % 4 != 0; i++) {
            out.write(0);
        }
    }

    private static int align4(int v) {
        return (v + 3) & ~3;
    }
}
