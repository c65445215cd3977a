package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code convert} of an archive of disks: the first, a chosen one, or all of them. */
class ConvertArchiveTest {
    @TempDir
    Path dir;

    private byte[] first;
    private byte[] second;
    private Path archive;

    @BeforeEach
    void makeArchive() throws IOException {
        first = new byte[1 << 20];
        Arrays.fill(first, 0, 4096, (byte) 0x11);
        second = new byte[2 << 20];
        Arrays.fill(second, 1 << 20, (1 << 20) + 512, (byte) 0x22);
        archive = dir.resolve("disks.tar");
        try (OutputStream out = Files.newOutputStream(archive); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (var m : new Object[][] {{"first.img", first}, {"second.img", second}}) {
                byte[] data = (byte[]) m[1];
                TarArchiveEntry e = new TarArchiveEntry((String) m[0]);
                e.setSize(data.length);
                tar.putArchiveEntry(e);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
    }

    @Test
    void convertsTheFirstDiskByDefault() throws IOException {
        Path out = dir.resolve("out.raw");
        Jimg.run("convert", "-O", "raw", archive.toString(), out.toString()).assertSuccess();
        assertArrayEquals(first, Files.readAllBytes(out));
    }

    @Test
    void convertsTheDiskChosenByNameOrIndex() throws IOException {
        Path byName = dir.resolve("n.raw");
        Jimg.run("convert", "--source-disk", "second.img", "-O", "raw", archive.toString(), byName.toString())
                .assertSuccess();
        assertArrayEquals(second, Files.readAllBytes(byName));
        Path byIndex = dir.resolve("i.raw");
        Jimg.run("convert", "--source-disk", "1", "-O", "raw", archive.toString(), byIndex.toString()).assertSuccess();
        assertArrayEquals(second, Files.readAllBytes(byIndex));
    }

    @Test
    void convertsAllDisksIntoIndexedOutputs() throws IOException {
        Jimg.run("convert", "--source-disk", "all", "-O", "raw", archive.toString(), dir.resolve("vm.raw").toString())
                .assertSuccess();
        assertArrayEquals(first, Files.readAllBytes(dir.resolve("vm-0.raw")));
        assertArrayEquals(second, Files.readAllBytes(dir.resolve("vm-1.raw")));
    }

    @Test
    void allNeedsAnArchive() throws IOException {
        Path plain = dir.resolve("plain.raw");
        Files.write(plain, first);
        Jimg.Result r = Jimg.run("convert", "--source-disk", "all", "-O", "raw", plain.toString(),
                dir.resolve("o.raw").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("not an OVA or tar archive"), r.stderr());
    }

    @Test
    void outputsWithoutExtensionGetTheIndexAtTheEnd() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("images.d"));
        Jimg.run("convert", "--source-disk", "all", "-O", "raw", archive.toString(), sub.resolve("vm").toString())
                .assertSuccess();
        assertArrayEquals(second, Files.readAllBytes(sub.resolve("vm-1")));
    }
}
