package dev.jimg.cli.output;

import dev.jimg.block.BackingReference;
import dev.jimg.block.BlockNode;
import dev.jimg.block.FormatSpecific;
import dev.jimg.block.SnapshotInfo;
import dev.jimg.block.Snapshots;
import dev.jimg.block.util.Sizes;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code info} for one image, as qemu-img's {@code ImageInfo}: built once as a map in the QAPI
 * schema's field order, printed either as JSON or in qemu-img's human layout.
 */
public final class ImageInfoReport {
    /**
     * Only images with snapshots need it: building a {@code DateTimeFormatter} initialises some
     * sixty java.time classes, a few milliseconds of every {@code info} start-up otherwise.
     */
    private static final class SnapshotDates {
        static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    }

    private final Map<String, Object> fields;

    private ImageInfoReport(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Collects the information of {@code node}, which was opened as {@code filename}. */
    public static ImageInfoReport of(BlockNode node, String filename) throws IOException {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("filename", filename);
        f.put("format", node.formatName());
        f.put("dirty-flag", node.isDirty());
        long actual = node.allocatedBytes();
        if (actual >= 0) {
            f.put("actual-size", actual);
        }
        f.put("virtual-size", node.size());
        OptionalInt cluster = node.clusterSize();
        if (cluster.isPresent()) {
            f.put("cluster-size", cluster.getAsInt());
        }
        Optional<BackingReference> backing = node.backingReference();
        if (backing.isPresent()) {
            f.put("backing-filename", backing.get().name());
            f.put("full-backing-filename", backing.get().fullName());
            backing.get().format().ifPresent(fmt -> f.put("backing-filename-format", fmt));
        }
        Optional<Snapshots> snapshots = node.capability(Snapshots.class);
        if (snapshots.isPresent()) {
            List<SnapshotInfo> list = snapshots.get().list();
            if (!list.isEmpty()) {
                List<Object> out = new ArrayList<>();
                for (SnapshotInfo s : list) {
                    out.add(snapshotFields(s));
                }
                f.put("snapshots", out);
            }
        }
        Optional<FormatSpecific> specific = node.capability(FormatSpecific.class);
        if (specific.isPresent()) {
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("type", specific.get().formatSpecificType());
            fs.put("data", specific.get().formatSpecificData());
            f.put("format-specific", fs);
        }
        return new ImageInfoReport(f);
    }

    /** A snapshot as qemu's {@code SnapshotInfo}, in schema order. */
    public static Map<String, Object> snapshotFields(SnapshotInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("vm-state-size", s.vmStateSize());
        m.put("date-sec", s.dateSeconds());
        m.put("date-nsec", s.dateNanos());
        m.put("vm-clock-sec", s.vmClockNanos() / 1_000_000_000L);
        m.put("vm-clock-nsec", s.vmClockNanos() % 1_000_000_000L);
        if (s.icount() >= 0) {
            m.put("icount", s.icount());
        }
        return m;
    }

    public Map<String, Object> fields() {
        return fields;
    }

    /** The full name of the backing file, to follow with {@code --backing-chain}. */
    public Optional<String> fullBackingFilename() {
        return Optional.ofNullable((String) fields.get("full-backing-filename"));
    }

    public Optional<String> backingFormat() {
        return Optional.ofNullable((String) fields.get("backing-filename-format"));
    }

    /** qemu-img's human layout ({@code bdrv_image_info_dump}). */
    @SuppressWarnings("unchecked")
    public void printHuman(PrintStream out) {
        long virtualSize = (Long) fields.get("virtual-size");
        out.println("image: " + fields.get("filename"));
        out.println("file format: " + fields.get("format"));
        out.println("virtual size: " + Sizes.toHuman(virtualSize) + " (" + virtualSize + " bytes)");
        Object actual = fields.get("actual-size");
        out.println("disk size: " + (actual == null ? "unavailable" : Sizes.toHuman((Long) actual)));
        if (Boolean.TRUE.equals(fields.get("encrypted"))) {
            out.println("encrypted: yes");
        }
        if (fields.containsKey("cluster-size")) {
            out.println("cluster_size: " + fields.get("cluster-size"));
        }
        if (Boolean.TRUE.equals(fields.get("dirty-flag"))) {
            out.println("cleanly shut down: no");
        }
        if (fields.containsKey("backing-filename")) {
            String name = (String) fields.get("backing-filename");
            String full = (String) fields.get("full-backing-filename");
            out.print("backing file: " + name);
            if (full == null) {
                out.print(" (cannot determine actual path)");
            } else if (!full.equals(name)) {
                out.print(" (actual path: " + full + ")");
            }
            out.println();
        }
        if (fields.containsKey("backing-filename-format")) {
            out.println("backing file format: " + fields.get("backing-filename-format"));
        }
        if (fields.containsKey("snapshots")) {
            out.println("Snapshot list:");
            printSnapshotTable((List<Object>) fields.get("snapshots"), out);
        }
        if (fields.containsKey("format-specific")) {
            Map<String, Object> fs = (Map<String, Object>) fields.get("format-specific");
            out.println("Format specific information:");
            HumanTree.print((Map<String, Object>) fs.get("data"), 1, out);
        }
    }

    /** The snapshot table of {@code info} and {@code snapshot -l}. */
    @SuppressWarnings("unchecked")
    public static void printSnapshotTable(List<Object> snapshots, PrintStream out) {
        out.println(String.format(Locale.ROOT, "%-10s%-17s%8s%20s%13s%11s", "ID", "TAG", "VM SIZE", "DATE",
                "VM CLOCK", "ICOUNT"));
        for (Object o : snapshots) {
            Map<String, Object> s = (Map<String, Object>) o;
            long secs = (Long) s.get("vm-clock-sec");
            long nanos = (Long) s.get("vm-clock-nsec");
            String clock = String.format(Locale.ROOT, "%02d:%02d:%02d.%03d", secs / 3600, (secs / 60) % 60, secs % 60,
                    (nanos / 1_000_000) % 1000);
            String date = SnapshotDates.FORMAT.format(Instant.ofEpochSecond((Long) s.get("date-sec"))
                    .atZone(ZoneId.systemDefault()));
            String icount = s.containsKey("icount") ? s.get("icount").toString() : "";
            out.println(String.format(Locale.ROOT, "%-9s %-16s %8s%20s%13s%11s", s.get("id"), s.get("name"),
                    Sizes.toHuman((Long) s.get("vm-state-size")), date, clock, icount));
        }
    }
}
