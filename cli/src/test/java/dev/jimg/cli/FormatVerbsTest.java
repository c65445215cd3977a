package dev.jimg.cli;

import static dev.jimg.block.testing.ExternalTool.qemuImg;
import static dev.jimg.block.testing.ExternalTool.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verbs on real formats, checked by qemu-img. */
class FormatVerbsTest {
    @TempDir
    Path dir;

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void createResolvesARelativeBackingFileAgainstTheNewImagesDirectory() throws IOException {
        Files.createDirectories(dir.resolve("vm"));
        qemuImg(dir, "create", "-q", "-f", "qcow2", path("vm/base.qcow2"), "16M").assertSuccess();
        Jimg.Result r = Jimg.run("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", path("vm/top.qcow2"));
        r.assertSuccess();
        String info = qemuImg(dir, "info", "--output=json", path("vm/top.qcow2")).assertSuccess().stdout();
        assertTrue(info.contains("\"backing-filename\": \"base.qcow2\""), info);
        assertTrue(info.contains("\"virtual-size\": 16777216"), info);
    }

    @Test
    void convertsBetweenEveryWritableFormatLosslessly() {
        String src = path("src.raw");
        qemuImg(dir, "create", "-q", "-f", "raw", src, "24M").assertSuccess();
        qemuIo(dir, "-f", "raw", "-c", "write -P 0x11 0 64k", "-c", "write -P 0x22 3M 1M", "-c", "write -P 0x33 23M 1M",
                src).assertSuccess();
        String previous = src;
        String previousFormat = "raw";
        for (String format : new String[] {"vdi", "vmdk", "vhdx", "vpc", "qcow2", "raw"}) {
            String out = path("chain." + format);
            Jimg.run("convert", "-f", previousFormat, "-O", format, previous, out).assertSuccess();
            assertEquals(0, qemuImg(dir, "compare", "-f", "raw", "-F", format, src, out).exitCode(), format);
            previous = out;
            previousFormat = format;
        }
    }

    @Test
    void compactsAVdiWithZeroFilledBlocks() throws IOException {
        String vdi = path("a.vdi");
        qemuImg(dir, "create", "-q", "-f", "vdi", vdi, "16M").assertSuccess();
        qemuIo(dir, "-f", "vdi", "-c", "write -P 0 0 4M", "-c", "write -P 0x44 4M 1M", vdi).assertSuccess();
        String before = path("before.raw");
        qemuImg(dir, "convert", "-O", "raw", vdi, before).assertSuccess();
        long sizeBefore = Files.size(Path.of(vdi));
        Jimg.Result r = Jimg.run("compact", vdi).assertSuccess();
        assertTrue(r.stdout().startsWith("Image compacted: "), r.stdout());
        assertTrue(Files.size(Path.of(vdi)) <= sizeBefore - (4L << 20), Files.size(Path.of(vdi)) + " vs " + sizeBefore);
        assertEquals(0, qemuImg(dir, "check", vdi).exitCode());
        assertEquals(0, qemuImg(dir, "compare", before, vdi).exitCode());
        Jimg.Result raw = Jimg.run("compact", before);
        assertEquals(1, raw.exitCode());
        assertTrue(raw.stderr().contains("does not support compaction"), raw.stderr());
    }

    @Test
    void extentsOutsideTheDescriptorsDirectoryNeedExplicitPermission() throws IOException {
        Path outside = dir.resolve("outside.raw");
        Files.write(outside, "secret".getBytes(StandardCharsets.US_ASCII));
        Files.createDirectories(dir.resolve("vm"));
        Path descriptor = dir.resolve("vm/disk.vmdk");
        Files.writeString(descriptor, """
                # Disk DescriptorFile
                version=1
                CID=fffffffe
                parentCID=ffffffff
                createType="monolithicFlat"

                # Extent description
                RW 1 FLAT "../outside.raw" 0

                ddb.virtualHWVersion = "4"
                """);
        Jimg.Result refused = Jimg.run("info", descriptor.toString());
        assertEquals(1, refused.exitCode());
        assertTrue(refused.stderr().contains("outside"), refused.stderr());
        Jimg.Result allowed = Jimg.run("--allow-external-paths", "info", descriptor.toString());
        allowed.assertSuccess();
        assertTrue(allowed.stdout().contains("virtual size: 512 B"), allowed.stdout());
    }
}
