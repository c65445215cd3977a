package dev.jimg.formats.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.Checkable.Repair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Deliberately damaged images: jimg's check finds what {@code qemu-img check} finds (same counts,
 * same exit class), and jimg's repair leaves an image qemu-img check accepts as qemu-img's own
 * repair does.
 */
@Tag("interop")
class Qcow2CheckInteropTest {
    @TempDir
    Path dir;

    /** One kind of damage, applied to a fresh image with data in clusters 4..7 (L2 entries 0..3). */
    enum Damage {
        REFCOUNT_TOO_HIGH {
            @Override
            void apply(ImageSurgery s) throws Exception {
                long data = L2Entry.offset(s.u64(s.l2EntryAt(0, 1))) / s.clusterSize();
                s.putRefcount(data, 2);
            }
        },
        REFCOUNT_ZERO {
            @Override
            void apply(ImageSurgery s) throws Exception {
                long data = L2Entry.offset(s.u64(s.l2EntryAt(0, 1))) / s.clusterSize();
                s.putRefcount(data, 0);
            }
        },
        LEAKED_CLUSTER {
            @Override
            void apply(ImageSurgery s) throws Exception {
                long end = s.length() / s.clusterSize();
                s.setLength((end + 2) * s.clusterSize());
                s.putRefcount(end, 1);
                s.putRefcount(end + 1, 1);
            }
        },
        DROPPED_L2_ENTRY {
            @Override
            void apply(ImageSurgery s) throws Exception {
                s.put64(s.l2EntryAt(0, 2), 0);
            }
        },
        OFFSET_PAST_EOF {
            @Override
            void apply(ImageSurgery s) throws Exception {
                s.put64(s.l2EntryAt(0, 0), L2Entry.COPIED | 0x10000000L);
            }
        },
        MISALIGNED_ENTRY {
            @Override
            void apply(ImageSurgery s) throws Exception {
                long at = s.l2EntryAt(0, 3);
                s.put64(at, s.u64(at) + 0x200);
            }
        },
        OVERLAPPING_CLUSTERS {
            @Override
            void apply(ImageSurgery s) throws Exception {
                s.put64(s.l2EntryAt(0, 2), s.u64(s.l2EntryAt(0, 1)));
            }
        },
        RESERVED_BITS {
            @Override
            void apply(ImageSurgery s) throws Exception {
                long at = s.l2EntryAt(0, 1);
                s.put64(at, s.u64(at) | 0x100);
            }
        },
        L2_TABLE_COPIED_FLAG_CLEARED {
            @Override
            void apply(ImageSurgery s) throws Exception {
                long l1 = s.u64(40);
                s.put64(l1, s.u64(l1) & ~L2Entry.COPIED);
            }
        };

        abstract void apply(ImageSurgery s) throws Exception;
    }

    private record Counts(long corruptions, long leaks, long checkErrors, int exit) {
    }

    private static final Pattern FIELD = Pattern.compile("\"(corruptions|leaks|check-errors)\": (\\d+)");

    private Counts qemuCheck(String image, String... repair) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "check", "--output=json"));
        cmd.addAll(List.of(repair));
        cmd.add(image);
        QemuTools.Result r = QemuTools.run(dir, cmd.toArray(String[]::new));
        long c = 0;
        long l = 0;
        long e = 0;
        Matcher m = FIELD.matcher(r.out());
        while (m.find()) {
            long v = Long.parseLong(m.group(2));
            switch (m.group(1)) {
                case "corruptions" -> c = v;
                case "leaks" -> l = v;
                default -> e = v;
            }
        }
        return new Counts(c, l, e, r.exit());
    }

    private CheckResult jimgCheck(Path image, Repair repair, List<String> lines) throws Exception {
        try (BlockNode n = QemuTools.open(image, repair == Repair.NONE)) {
            return n.capability(Checkable.class).orElseThrow().check(repair, lines::add);
        }
    }

    private Path damaged(Damage d, String name) throws Exception {
        Path img = dir.resolve(name);
        QemuTools.ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", name, "4M");
        QemuTools.qemuIo(dir, name, "write -P 0x11 0 256k");
        try (ImageSurgery s = new ImageSurgery(img)) {
            d.apply(s);
        }
        return img;
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void findsWhatQemuFindsAndRepairsItAsQemuDoes(Damage damage) throws Exception {
        Path img = damaged(damage, "a.qcow2");
        Counts qemu = qemuCheck("a.qcow2");
        List<String> lines = new ArrayList<>();
        CheckResult jimg = jimgCheck(img, Repair.NONE, lines);
        String context = damage + "\njimg said: " + String.join("\n", lines);
        assertEquals(qemu.corruptions(), jimg.corruptions(), context);
        assertEquals(qemu.leaks(), jimg.leaks(), context);
        assertEquals(qemu.exit(), jimg.exitCode(), context);
        assertTrue(jimg.exitCode() != 0, context);

        for (Repair repair : List.of(Repair.LEAKS, Repair.ALL)) {
            String mode = repair == Repair.LEAKS ? "leaks" : "all";
            Path theirs = dir.resolve("q-" + mode + ".qcow2");
            Path ours = dir.resolve("j-" + mode + ".qcow2");
            Files.copy(img, theirs, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(img, ours, StandardCopyOption.REPLACE_EXISTING);
            qemuCheck(theirs.getFileName().toString(), "-r", mode);
            Counts afterQemuRepair = qemuCheck(theirs.getFileName().toString());
            jimgCheck(ours, repair, new ArrayList<>());
            Counts afterJimgRepair = qemuCheck(ours.getFileName().toString());
            assertEquals(afterQemuRepair, afterJimgRepair, context + "\nafter -r " + mode);
        }
    }
}
