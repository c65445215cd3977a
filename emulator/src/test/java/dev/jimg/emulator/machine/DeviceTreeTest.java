package dev.jimg.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.FormatRegistry;
import dev.jimg.block.ImageOpener;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import dev.jimg.emulator.launch.Emulator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated device tree against QEMU 7.2's ({@code -M virt,dumpdtb=}), both decompiled with
 * {@code dtc}: every node this machine has must be QEMU's node with the same properties, except
 * the ISA string (only the extensions implemented here) and the random seed QEMU puts in /chosen;
 * QEMU's extra nodes are exactly the devices this machine leaves out.
 */
@Tag("interop")
class DeviceTreeTest {
    /** Nodes QEMU has that this machine does not: flash, fw_cfg, platform bus, PMU map. */
    private static final Set<String> ABSENT = Set.of("/pmu", "/fw-cfg@10100000", "/flash@20000000",
            "/platform-bus@4000000");

    @TempDir
    Path dir;

    @Test
    void matchesQemusVirtBoardExceptWhereThisMachineDiffers() throws Exception {
        Path qemu = dir.resolve("qemu.dtb");
        exec("qemu-system-riscv64", "-M", "virt,dumpdtb=" + qemu, "-m", "256M", "-nographic", "-display", "none");
        Path ours = dir.resolve("ours.dtb");
        int status = Emulator.run(List.of("-M", "virt,dumpdtb=" + ours, "-m", "256M"),
                new ImageOpener(new FormatRegistry(List.of()), w -> { }), new ByteArrayInputStream(new byte[0]),
                new PrintStream(OutputStream.nullOutputStream()), new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(0, status);

        Map<String, Map<String, String>> q = parse(exec("dtc", "-I", "dtb", "-O", "dts", qemu.toString()));
        Map<String, Map<String, String>> o = parse(exec("dtc", "-I", "dtb", "-O", "dts", ours.toString()));

        for (Map.Entry<String, Map<String, String>> node : o.entrySet()) {
            String path = node.getKey();
            assertTrue(q.containsKey(path), "QEMU has no node " + path);
            Map<String, String> expected = new TreeMap<>(q.get(path));
            Map<String, String> actual = new TreeMap<>(node.getValue());
            if (path.equals("/chosen")) {
                expected.remove("rng-seed");
            }
            if (path.equals("/cpus/cpu@0")) {
                assertEquals("\"rv64imafdc_zicsr_zifencei\"", actual.remove("riscv,isa"));
                expected.remove("riscv,isa");
            }
            assertEquals(expected, actual, "properties of " + path);
        }
        Set<String> missing = new java.util.TreeSet<>(q.keySet());
        missing.removeAll(o.keySet());
        missing.removeIf(p -> ABSENT.stream().anyMatch(a -> p.equals(a) || p.startsWith(a + "/")));
        assertEquals(Set.of(), missing, "QEMU nodes missing here");
    }

    /** dtc's source output as node path -> (property -> value text). */
    static Map<String, Map<String, String>> parse(String dts) {
        Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
        java.util.Deque<String> stack = new java.util.ArrayDeque<>();
        for (String raw : dts.lines().toList()) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("/dts-v1/")) {
                continue;
            }
            if (line.endsWith("{")) {
                String name = line.substring(0, line.length() - 1).trim();
                String path = stack.isEmpty() ? "" : (stack.peek().equals("/") ? "/" + name : stack.peek() + "/" + name);
                if (stack.isEmpty()) {
                    path = "/";
                }
                stack.push(path);
                nodes.put(path, new LinkedHashMap<>());
            } else if (line.equals("};")) {
                stack.pop();
            } else if (line.endsWith(";")) {
                String prop = line.substring(0, line.length() - 1);
                int eq = prop.indexOf(" = ");
                String key = eq < 0 ? prop : prop.substring(0, eq);
                String value = eq < 0 ? "" : prop.substring(eq + 3);
                nodes.get(stack.peek()).put(key, value);
            }
        }
        return nodes;
    }

    private static String exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
