package dev.jimg.formats.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CorruptImageException;
import dev.jimg.block.FormatSpecific;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.vpc.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OVA appliances built here from disks qemu-img made, read in place. */
@Tag("interop")
class OvaTest {
    private static final String OVF = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"
                      xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
              <References>
                <File ovf:id="file1" ovf:href="disk1.img"/>
                <File ovf:id="file2" ovf:href="disk2.vhdx"/>
                <File ovf:id="iso" ovf:href="tools.iso"/>
              </References>
              <DiskSection>
                <Info>Virtual disks</Info>
                <Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="8"
                      ovf:capacityAllocationUnits="byte * 2^20"/>
                <Disk ovf:diskId="vmdisk2" ovf:fileRef="file2" ovf:capacity="16777216"/>
              </DiskSection>
            </Envelope>
            """;

    @TempDir
    Path dir;

    private Path raw;
    private Path vhdx;
    private Path vhdxContents;

    @BeforeEach
    void makeDisks() throws IOException {
        raw = dir.resolve("disk1.img");
        Files.write(raw, TestImages.filled(8 << 20, 0));
        TestImages.qemuWrite(raw, "raw", "0x11 0 64k", "0x12 7M 1M");
        vhdx = dir.resolve("disk2.vhdx");
        ExternalTool.qemuImg(dir, "create", "-q", "-f", "vhdx", "-o", "block_size=1M", vhdx.toString(), "16M")
                .assertSuccess();
        TestImages.qemuWrite(vhdx, "vhdx", "0x21 1M 64k", "0x22 15M 4k");
        vhdxContents = TestImages.qemuToRaw(vhdx, "vhdx");
    }

    private Path tar(String name, Map<String, byte[]> members) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> m : members.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(m.getKey());
                e.setSize(m.getValue().length);
                tar.putArchiveEntry(e);
                tar.write(m.getValue());
                tar.closeArchiveEntry();
            }
        }
        return p;
    }

    private Path appliance() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("appliance.ovf", OVF.getBytes(StandardCharsets.UTF_8));
        members.put("disk1.img", Files.readAllBytes(raw));
        members.put("disk2.vhdx", Files.readAllBytes(vhdx));
        members.put("tools.iso", new byte[4096]);
        members.put("appliance.mf", "SHA256(disk1.img)= 00\n".getBytes(StandardCharsets.US_ASCII));
        return tar("appliance.ova", members);
    }

    private static BlockNode open(Path p, Map<String, String> driverOptions) throws IOException {
        return Images.open(p, null,
                OpenOptions.builder().readOnly(true).driverOptions(driverOptions).build());
    }

    @Test
    void readsTheFirstDiskInPlaceAndListsAllInInfo() throws IOException {
        Path ova = appliance();
        try (BlockNode node = open(ova, Map.of())) {
            assertEquals("ova", node.formatName());
            TestImages.assertSameContents(raw, node);
            Map<String, Object> data = node.capability(FormatSpecific.class).orElseThrow().formatSpecificData();
            assertEquals(0L, data.get("disk"));
            List<?> disks = (List<?>) data.get("disks");
            assertEquals(2, disks.size(), "the ISO is a file of the OVF, not a disk");
            assertEquals(Map.of("index", 0L, "name", "disk1.img", "format", "raw", "size", 8L << 20,
                    "capacity", 8L << 20), disks.get(0));
            assertEquals(Map.of("index", 1L, "name", "disk2.vhdx", "format", "vhdx", "size", Files.size(vhdx),
                    "capacity", 16L << 20), disks.get(1));
        }
    }

    @Test
    void choosesADiskByNameOrIndex() throws IOException {
        Path ova = appliance();
        for (String choice : new String[] {"1", "disk2.vhdx"}) {
            try (BlockNode node = open(ova, Map.of("disk", choice))) {
                assertEquals(16L << 20, node.size());
                TestImages.assertSameContents(vhdxContents, node);
                assertEquals(1L, node.capability(FormatSpecific.class).orElseThrow().formatSpecificData().get("disk"));
            }
        }
        ImageException e = assertThrows(ImageException.class, () -> open(ova, Map.of("disk", "disk3.vmdk")));
        assertTrue(e.getMessage().contains("disk1.img, disk2.vhdx"), e.getMessage());
    }

    @Test
    void aPlainTarOfImagesIsReadToo() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("SHA256SUMS.mf", new byte[10]);
        members.put("images/a-very-long-directory-name-that-needs-posix-headers-to-be-stored-in-a-tar/disk.vhdx",
                Files.readAllBytes(vhdx));
        Path tar = tar("images.tar", members);
        try (BlockNode node = open(tar, Map.of())) {
            TestImages.assertSameContents(vhdxContents, node);
        }
    }

    @Test
    void archivesAreReadOnly() throws IOException {
        Path ova = appliance();
        ImageException e = assertThrows(ImageException.class, () -> Images.open(ova, null));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
    }

    @Test
    void descriptorsWithADoctypeAreRefused() throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        String hostile = "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<Envelope><References><File id=\"f\" href=\"&x;\"/></References></Envelope>";
        members.put("evil.ovf", hostile.getBytes(StandardCharsets.UTF_8));
        members.put("disk1.img", new byte[512]);
        Path ova = tar("evil.ova", members);
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> open(ova, Map.of()));
        assertTrue(e.getMessage().contains("is not valid XML"), e.getMessage());
    }

    @Test
    void aTruncatedArchiveIsRefused() throws IOException {
        Path ova = appliance();
        byte[] all = Files.readAllBytes(ova);
        Files.write(ova, java.util.Arrays.copyOf(all, 4096 + (4 << 20)));
        ImageException e = assertThrows(ImageException.class, () -> open(ova, Map.of()));
        assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("truncated"), e.getMessage());
    }
}
