package dev.jimg.cli.startup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.constant.ClassDesc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Build step run on the shaded {@code jimg.jar}: rewrites every class file older than Java 6
 * (class version below 50) to version 50 with generated stack maps.
 *
 * <p>Why: the JDK's AOT cache (JEP 483, JEP 514) holds only classes it can verify when the cache
 * is written, and it cannot do that for class files without stack maps ("Skipping ...: Old class
 * has been linked" with {@code -Xlog:aot=warning}). picocli ships Java 5 class files, so without
 * this step its ~170 classes are parsed and verified on every run of jimg. The rewrite changes
 * nothing but the version number and the added {@code StackMapTable} attributes; every rewritten
 * class is checked with the JDK's verifier here, so a bad rewrite fails the build instead of a run.
 *
 * <p>Version 50 is the first with stack maps, and the last whose verifier may still fall back to
 * type inference, so the upgrade cannot make a class unloadable that loaded before.
 */
public final class LegacyClassUpgrade {
    /** Java 6: the first class version that carries stack maps. */
    static final int FIRST_VERSION_WITH_STACK_MAPS = 50;

    private LegacyClassUpgrade() {
    }

    /** {@code LegacyClassUpgrade JAR}: upgrades the jar in place and prints how many classes changed. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: LegacyClassUpgrade JAR");
        }
        Path jar = Path.of(args[0]);
        int upgraded = upgradeJar(jar);
        System.out.println("[jimg] upgraded " + upgraded + " pre-Java-6 class files in " + jar.getFileName()
                + " to version " + FIRST_VERSION_WITH_STACK_MAPS + " for the AOT cache");
    }

    /**
     * Rewrites {@code jar} in place, keeping every entry, its order and its time; returns the number
     * of classes upgraded.
     */
    public static int upgradeJar(Path jar) throws IOException {
        Map<String, Entry> entries = read(jar);
        ClassHierarchyResolver inJar = ClassHierarchyResolver.ofResourceParsing(desc -> {
            Entry e = entries.get(internalName(desc) + ".class");
            return e == null ? null : new ByteArrayInputStream(e.bytes());
        });
        ClassFile classFile = classFile(inJar.orElse(ClassHierarchyResolver.defaultResolver()));
        int upgraded = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (!e.getKey().endsWith(".class")) {
                continue;
            }
            byte[] bytes = e.getValue().bytes();
            byte[] upgradedBytes = upgrade(classFile, bytes, e.getKey());
            if (upgradedBytes != bytes) {
                e.setValue(new Entry(e.getValue().template(), upgradedBytes));
                upgraded++;
            }
        }
        if (upgraded > 0) {
            write(jar, entries);
        }
        return upgraded;
    }

    /**
     * The class file options the upgrade uses: stack maps generated for every rebuilt method, with
     * the class hierarchy read from {@code resolver} (the jar itself, then the JDK).
     */
    static ClassFile classFile(ClassHierarchyResolver resolver) {
        return ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                ClassFile.ClassHierarchyResolverOption.of(resolver));
    }

    /** Returns {@code bytes} itself when the class is new enough, else the upgraded class file. */
    static byte[] upgrade(ClassFile classFile, byte[] bytes, String name) {
        ClassModel model = classFile.parse(bytes);
        if (model.majorVersion() >= FIRST_VERSION_WITH_STACK_MAPS) {
            return bytes;
        }
        // Rebuilding each method body (rather than copying it) is what makes the library compute
        // and emit the stack maps for the new version.
        ClassTransform transform = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen((builder, element) -> {
                    if (element instanceof ClassFileVersion) {
                        builder.withVersion(FIRST_VERSION_WITH_STACK_MAPS, 0);
                    } else {
                        builder.with(element);
                    }
                });
        byte[] result;
        try {
            result = classFile.transformClass(model, transform);
        } catch (IllegalArgumentException e) {
            // e.g. jsr/ret subroutines, which class version 50 still allows but stack maps cannot describe
            throw new IllegalStateException(name + ": cannot be upgraded to class version "
                    + FIRST_VERSION_WITH_STACK_MAPS + ": " + e.getMessage(), e);
        }
        List<VerifyError> errors = classFile.verify(result);
        if (!errors.isEmpty()) {
            throw new IllegalStateException(name + ": upgraded class does not verify: "
                    + errors.getFirst().getMessage());
        }
        return result;
    }

    private static String internalName(ClassDesc desc) {
        String d = desc.descriptorString();
        return d.substring(1, d.length() - 1);
    }

    /** A jar entry: its metadata (name, time, method) and contents. */
    private record Entry(ZipEntry template, byte[] bytes) {
    }

    private static Map<String, Entry> read(Path jar) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(jar); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                entries.put(e.getName(), new Entry(e, zip.readAllBytes()));
            }
        }
        return entries;
    }

    private static void write(Path jar, Map<String, Entry> entries) throws IOException {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Entry e : entries.values()) {
                ZipEntry copy = new ZipEntry(e.template().getName());
                copy.setTime(e.template().getTime());
                zip.putNextEntry(copy);
                zip.write(e.bytes());
                zip.closeEntry();
            }
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
