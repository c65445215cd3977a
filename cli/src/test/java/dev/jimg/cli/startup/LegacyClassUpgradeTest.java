package dev.jimg.cli.startup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.MethodModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LegacyClassUpgradeTest {
    /** A picocli class from the test class path: picocli 4.7 is compiled for Java 5. */
    private static final String LEGACY = "picocli/CommandLine$Range.class";

    @TempDir
    Path dir;

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = LegacyClassUpgradeTest.class.getClassLoader().getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private static ClassFile upgrader() {
        return LegacyClassUpgrade.classFile(
                ClassHierarchyResolver.ofResourceParsing(LegacyClassUpgradeTest.class.getClassLoader()));
    }

    @Test
    void upgradesAJava5ClassToVersion50WithStackMapsThatVerify() throws IOException {
        byte[] original = resource(LEGACY);
        assertEquals(49, ClassFile.of().parse(original).majorVersion(), "premise: picocli ships Java 5 classes");

        byte[] upgraded = LegacyClassUpgrade.upgrade(upgrader(), original, LEGACY);

        ClassModel model = ClassFile.of().parse(upgraded);
        assertEquals(50, model.majorVersion());
        assertEquals(List.of(), ClassFile.of().verify(upgraded));
        boolean anyStackMap = false;
        for (MethodModel m : model.methods()) {
            CodeModel code = m.code().orElse(null);
            anyStackMap |= code != null && code.findAttribute(Attributes.stackMapTable()).isPresent();
        }
        assertTrue(anyStackMap, "Range has branching methods, which need stack map frames");
    }

    @Test
    void keepsTheClassesMethodsAndFields() throws IOException {
        byte[] original = resource(LEGACY);
        ClassModel before = ClassFile.of().parse(original);
        ClassModel after = ClassFile.of().parse(LegacyClassUpgrade.upgrade(upgrader(), original, LEGACY));
        assertEquals(signatures(before), signatures(after));
        assertEquals(before.fields().size(), after.fields().size());
        assertEquals(before.superclass().map(c -> c.asInternalName()), after.superclass().map(c -> c.asInternalName()));
    }

    private static List<String> signatures(ClassModel m) {
        List<String> out = new ArrayList<>();
        for (MethodModel method : m.methods()) {
            out.add(method.methodName().stringValue() + method.methodType().stringValue()
                    + " flags=" + method.flags().flagsMask());
        }
        return out;
    }

    @Test
    void leavesAModernClassAsItIs() throws IOException {
        byte[] modern = resource(LegacyClassUpgrade.class.getName().replace('.', '/') + ".class");
        assertSame(modern, LegacyClassUpgrade.upgrade(upgrader(), modern, "modern"));
    }

    @Test
    void rewritesAJarInPlaceKeepingEveryEntryInOrder() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n".getBytes());
        entries.put(LEGACY, resource(LEGACY));
        entries.put("picocli/notes.txt", "not a class".getBytes());
        Path jar = dir.resolve("app.jar");
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }

        assertEquals(1, LegacyClassUpgrade.upgradeJar(jar));

        Map<String, byte[]> after = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(jar); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                after.put(e.getName(), zip.readAllBytes());
            }
        }
        assertEquals(List.copyOf(entries.keySet()), List.copyOf(after.keySet()));
        assertArrayEquals(entries.get("META-INF/MANIFEST.MF"), after.get("META-INF/MANIFEST.MF"));
        assertArrayEquals(entries.get("picocli/notes.txt"), after.get("picocli/notes.txt"));
        byte[] upgraded = after.get(LEGACY);
        assertNotSame(entries.get(LEGACY), upgraded);
        assertEquals(50, ClassFile.of().parse(upgraded).majorVersion());
    }
}
