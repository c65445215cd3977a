package dev.jimg.formats.vmdk;

import dev.jimg.block.CorruptImageException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The VMDK text descriptor: header keys, extent lines and the disk database, as specified in
 * VMware's "Virtual Disk Format 5.0" (section "The Descriptor File"), e.g.
 * <pre>
 * # Disk DescriptorFile
 * version=1
 * CID=c48ee3f6
 * parentCID=ffffffff
 * createType="monolithicSparse"
 *
 * # Extent description
 * RW 20480 SPARSE "disk.vmdk"
 * RW 4192256 FLAT "disk-flat.vmdk" 0
 *
 * # The Disk Data Base
 * #DDB
 * ddb.adapterType = "ide"
 * </pre>
 * Parsing keeps what jimg does not interpret (other keys, the disk database) so that rewriting a
 * descriptor — a new CID after the first write — changes only what it must.
 */
final class Descriptor {
    /** Descriptors are a few hundred bytes; anything larger than this is not one. */
    static final int MAX_BYTES = 1 << 20;
    /** More extents than this is not a disk but an attempt to exhaust file handles. */
    static final int MAX_EXTENTS = 4096;
    static final long NO_PARENT = 0xffffffffL;

    /** One extent line: access, size in sectors, type, file and (for flat extents) start sector. */
    record ExtentLine(String access, long sectors, String type, String fileName, long offset) {
        String render() {
            StringBuilder b = new StringBuilder(access).append(' ').append(sectors).append(' ').append(type);
            if (fileName != null) {
                b.append(" \"").append(fileName).append('"');
                if (type.equals("FLAT") || offset != 0) {
                    b.append(' ').append(offset);
                }
            }
            return b.toString();
        }
    }

    /** The header keys in order (version, CID, parentCID, createType, parentFileNameHint, …). */
    private final LinkedHashMap<String, String> header;
    private final List<ExtentLine> extents;
    /** The disk database lines ({@code ddb.key = "value"}), in order. */
    private final LinkedHashMap<String, String> ddb;

    Descriptor(LinkedHashMap<String, String> header, List<ExtentLine> extents, LinkedHashMap<String, String> ddb) {
        this.header = header;
        this.extents = List.copyOf(extents);
        this.ddb = ddb;
    }

    /** Whether {@code head} looks like a descriptor: its first meaningful line is {@code version=1|2|3}. */
    static boolean looksLikeDescriptor(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        for (String raw : text.split("\n", 64)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] kv = DescriptorLine.keyValue(line);
            return kv != null && kv[0].equals("version") && isVersion(kv[1]);
        }
        return false;
    }

    private static boolean isVersion(String value) {
        return value.equals("1") || value.equals("2") || value.equals("3");
    }

    static Descriptor parse(byte[] bytes, String where) {
        if (bytes.length > MAX_BYTES) {
            throw new CorruptImageException("VMDK descriptor in " + where + " is " + bytes.length
                    + " bytes, more than the " + MAX_BYTES + " a descriptor may have");
        }
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        LinkedHashMap<String, String> header = new LinkedHashMap<>();
        LinkedHashMap<String, String> ddb = new LinkedHashMap<>();
        List<ExtentLine> extents = new ArrayList<>();
        int lineNo = 0;
        for (int start = 0; start < text.length(); ) {
            int newline = text.indexOf('\n', start);
            int lineEnd = newline < 0 ? text.length() : newline;
            String line = text.substring(start, lineEnd).strip(); // strip() also drops a CR before the LF
            start = lineEnd + 1;
            lineNo++;
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            ExtentLine extent = DescriptorLine.extent(line, where);
            if (extent != null) {
                extents.add(extent);
                if (extents.size() > MAX_EXTENTS) {
                    throw new CorruptImageException("VMDK descriptor in " + where + " has more than " + MAX_EXTENTS
                            + " extents");
                }
                continue;
            }
            if (DescriptorLine.startsAsExtent(line)) {
                throw new CorruptImageException("Invalid extent line in the VMDK descriptor of " + where + ": " + line);
            }
            String[] kv = DescriptorLine.keyValue(line);
            if (kv == null) {
                throw new CorruptImageException("Invalid line " + lineNo + " in the VMDK descriptor of " + where
                        + ": " + line);
            }
            String key = kv[0];
            String value = unquote(kv[1]);
            if (key.startsWith("ddb.")) {
                ddb.put(key, value);
            } else {
                header.put(key, value);
            }
        }
        String version = header.get("version");
        if (version == null || !isVersion(version)) {
            throw new CorruptImageException("The VMDK descriptor of " + where + " has no version=1, 2 or 3 line");
        }
        return new Descriptor(header, extents, ddb);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    List<ExtentLine> extents() {
        return extents;
    }

    Optional<String> get(String key) {
        return Optional.ofNullable(header.get(key));
    }

    String createType() {
        return header.getOrDefault("createType", "");
    }

    long cid() {
        return parseCid("CID", 0);
    }

    long parentCid() {
        return parseCid("parentCID", NO_PARENT);
    }

    private long parseCid(String key, long fallback) {
        String v = header.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseUnsignedLong(v.strip(), 16) & 0xffffffffL;
        } catch (NumberFormatException e) {
            throw new CorruptImageException("Invalid " + key + " '" + v + "' in the VMDK descriptor");
        }
    }

    Optional<String> parentFileNameHint() {
        return Optional.ofNullable(header.get("parentFileNameHint")).filter(s -> !s.isEmpty());
    }

    Map<String, String> ddb() {
        return ddb;
    }

    /** A copy with header key {@code key} set (appended if new). */
    Descriptor with(String key, String value) {
        LinkedHashMap<String, String> h = new LinkedHashMap<>(header);
        if (value == null) {
            h.remove(key);
        } else {
            h.put(key, value);
        }
        return new Descriptor(h, extents, ddb);
    }

    Descriptor withCid(long cid) {
        return with("CID", String.format("%08x", cid));
    }

    /** The descriptor as qemu-img and VMware write it. */
    String render() {
        StringBuilder b = new StringBuilder("# Disk DescriptorFile\n");
        for (Map.Entry<String, String> e : header.entrySet()) {
            boolean quoted = e.getKey().equals("createType") || e.getKey().equals("parentFileNameHint");
            b.append(e.getKey()).append('=').append(quoted ? "\"" + e.getValue() + "\"" : e.getValue()).append('\n');
        }
        b.append("\n# Extent description\n");
        for (ExtentLine x : extents) {
            b.append(x.render()).append('\n');
        }
        b.append("\n# The Disk Data Base\n#DDB\n\n");
        for (Map.Entry<String, String> e : ddb.entrySet()) {
            b.append(e.getKey()).append(" = \"").append(e.getValue()).append("\"\n");
        }
        return b.toString();
    }
}
