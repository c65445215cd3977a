package dev.jimg.emulator.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.FormatRegistry;
import dev.jimg.block.ImageOpener;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EmulatorOptionsTest {
    @TempDir
    Path dir;

    private record Outcome(int status, String err) {
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Emulator.run(List.of(args), new ImageOpener(new FormatRegistry(List.of()), w -> { }),
                new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-smp 2|jimg: -smp 2: only one CPU is available",
        "-M pc|jimg: -M pc: only the virt machine is available",
        "-m lots|jimg: -m lots: not a size",
        "-bogus x|jimg: unsupported option '-bogus'",
        "-bios none -m 100G|jimg: RAM size 102400 MiB is more than the 65536 MiB this machine supports",
        "-kernel /nonexistent/k|jimg: -kernel /nonexistent/k: no such file",
        "-drive if=virtio|jimg: -drive if=virtio: a file= is required",
        "-device virtio-net-device|jimg: -device virtio-net-device: device type 'virtio-net-device' is not available"
                + " (virtio-blk-device, virtio-blk-pci, ahci, ide-hd, qemu-xhci, usb-storage)",
        "-icount shift=3|jimg: -icount shift=3: only shift=auto is available (time follows the host clock and"
                + " skips ahead while the CPU idles)",
    })
    void badOptionsAreReportedOnOneLine(String args, String message) {
        Outcome o = run(args.split(" "));
        assertEquals(1, o.status());
        assertEquals(message + System.lineSeparator(), o.err());
    }

    @Test
    void drivesWithAnUnknownFormatAreRefused() throws Exception {
        Path image = Files.write(dir.resolve("disk.img"), new byte[4096]);
        Outcome o = run("-bios", "none", "-drive", "file=" + image + ",format=vmdk");
        assertEquals(1, o.status());
        assertTrue(o.err().startsWith("jimg: ") && o.err().contains("Unknown driver 'vmdk'"), o.err());
    }

    @Test
    void deviceNamingAMissingDriveIsRefused() {
        Outcome o = run("-bios", "none", "-device", "virtio-blk-device,drive=nope");
        assertEquals("jimg: -device virtio-blk-device,drive=nope: no -drive with id=nope" + System.lineSeparator(),
                o.err());
    }

    @Test
    void memorySizesFollowQemuSyntax() {
        assertEquals(256L << 20, LaunchOptions.memorySize("256M"));
        assertEquals(256L << 20, LaunchOptions.memorySize("256"));
        assertEquals(1L << 30, LaunchOptions.memorySize("1G"));
        assertEquals(512L << 20, LaunchOptions.memorySize("size=512M"));
        assertEquals(1536L << 20, LaunchOptions.memorySize("1.5G"));
    }

    @Test
    void driveOptionsFollowQemuDefaults() {
        DriveSpec d = DriveSpec.parse("file=a,,b.img", false);
        assertEquals("a,b.img", d.file());
        assertTrue(d.attachedHere());
        assertEquals("writeback", d.cache().qemuName());
        assertEquals("IGNORE", d.discard().name());
        DriveSpec e = DriveSpec.parse("if=none,id=x,file=c,snapshot=on,readonly=on,discard=unmap,cache=none,format=qcow2",
                false);
        assertEquals("x", e.id());
        assertEquals("qcow2", e.format());
        assertTrue(e.snapshot() && e.readOnly() && !e.attachedHere());
        assertTrue(DriveSpec.parse("file=z", true).snapshot(), "-snapshot applies to every drive");
    }

    @Test
    void guestFailureCodeBecomesTheExitStatus() throws Exception {
        // A two-instruction program at the start of RAM: write 0x3333 | 7 << 16 to the test finisher.
        // lui t0, 0x100 ; lui t1, 0x73 ; addi t1, t1, 0x333 ; sw t1, 0(t0)
        int[] code = {0x001002b7, 0x00073337, 0x33330313, 0x0062a023, 0x0000006f};
        byte[] bytes = new byte[code.length * 4];
        for (int i = 0; i < code.length; i++) {
            for (int b = 0; b < 4; b++) {
                bytes[4 * i + b] = (byte) (code[i] >>> (8 * b));
            }
        }
        Path program = Files.write(dir.resolve("fail.bin"), bytes);
        assertEquals(7, run("-bios", "none", "-kernel", program.toString()).status());
    }
}
