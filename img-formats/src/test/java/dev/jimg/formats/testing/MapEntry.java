package dev.jimg.formats.testing;

import dev.jimg.block.ChainStatus;
import dev.jimg.block.BlockNode;
import dev.jimg.block.Extent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of {@code qemu-img map --output=json}, and the same view computed by jimg, so tests
 * can compare them entry by entry.
 */
public record MapEntry(long start, long length, int depth, boolean present, boolean zero, boolean data, long offset) {
    private static final Pattern LINE = Pattern.compile("\\{ \"start\": (\\d+), \"length\": (\\d+), \"depth\": (\\d+),"
            + " \"present\": (true|false), \"zero\": (true|false), \"data\": (true|false)(?:, \"offset\": (\\d+))?");

    /** qemu-img's map of {@code image}. */
    public static List<MapEntry> qemu(Path image, String format) throws IOException {
        String out = Images.run("qemu-img", "map", "--output=json", "-f", format, image.toString()).output();
        List<MapEntry> entries = new ArrayList<>();
        Matcher m = LINE.matcher(out);
        while (m.find()) {
            entries.add(new MapEntry(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Integer.parseInt(m.group(3)), Boolean.parseBoolean(m.group(4)), Boolean.parseBoolean(m.group(5)),
                    Boolean.parseBoolean(m.group(6)), m.group(7) == null ? -1 : Long.parseLong(m.group(7))));
        }
        if (entries.isEmpty()) {
            throw new IOException("no map entries in qemu-img output:\n" + out);
        }
        return entries;
    }

    /** jimg's map of {@code node}, in qemu-img's terms. */
    public static List<MapEntry> jimg(BlockNode node) throws IOException {
        List<MapEntry> entries = new ArrayList<>();
        for (Extent e : ChainStatus.map(node, 0, node.size())) {
            entries.add(new MapEntry(e.offset(), e.length(), e.depth(), e.isAllocated(), e.isZero(), e.isData(),
                    e.hasHostOffset() ? e.hostOffset() : -1));
        }
        return entries;
    }
}
