package dev.jimg.emulator.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PCIe host bridge's device tree node is QEMU's, byte for byte once decompiled: Linux's
 * {@code pci-host-ecam-generic} and U-Boot's ECAM driver read nothing else to find the bus.
 */
@Tag("interop")
class VirtPcieNodeTest {
    private static final long RAM = 256L << 20;

    @TempDir
    Path dir;

    @Test
    void pcieNodeMatchesQemusVirtBoard() throws Exception {
        Path qemuDtb = dir.resolve("qemu.dtb");
        run("qemu-system-riscv64", "-M", "virt,dumpdtb=" + qemuDtb, "-m", "256M", "-nographic", "-bios", "none");
        Path ours = dir.resolve("ours.dtb");
        Files.write(ours, VirtMachine.deviceTree(RAM, null));

        String expected = node(decompile(qemuDtb), "pci@30000000");
        String actual = node(decompile(ours), "pci@30000000");
        assertTrue(expected.contains("pci-host-ecam-generic"), expected);
        assertEquals(expected, actual, "the interrupt-map names the PLIC by phandle, which both trees number 3");
    }

    @Test
    void pcieNodeSitsBetweenTheTestDeviceAndTheVirtioSlotsAsInQemu() throws Exception {
        Path ours = dir.resolve("ours.dtb");
        Files.write(ours, VirtMachine.deviceTree(RAM, null));
        String dts = decompile(ours);
        int test = dts.indexOf("test@100000 {");
        int pci = dts.indexOf("pci@30000000 {");
        int virtio = dts.indexOf("virtio_mmio@10008000 {");
        assertTrue(test >= 0 && test < pci && pci < virtio, dts);
    }

    private static String node(String dts, String name) {
        int start = dts.indexOf(name + " {");
        if (start < 0) {
            throw new AssertionError("no node " + name + " in\n" + dts);
        }
        int end = dts.indexOf("};", start);
        return dts.substring(start, end + 2);
    }

    private String decompile(Path dtb) throws Exception {
        Path dts = dir.resolve(dtb.getFileName() + ".dts");
        run("dtc", "-q", "-I", "dtb", "-O", "dts", "-o", dts.toString(), dtb.toString());
        return Files.readString(dts);
    }

    private void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
