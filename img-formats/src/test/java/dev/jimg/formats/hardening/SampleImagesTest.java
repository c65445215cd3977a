package dev.jimg.formats.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.Checkable;
import dev.jimg.block.ImageException;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.OpenOptions;
import dev.jimg.block.testing.ExternalTool;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.vpc.TestImages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sample image of the project (made by the tools that own each format, or by fuzzers; see
 * the READMEs of {@code testdata/samples}, {@code vhd}, {@code vhdx}, {@code vmdk}) gets qemu-img's
 * verdict, observed live: the same probed format and virtual size, or a refusal where qemu-img
 * refuses, and {@code check}'s exit code (63 where the format has no check). Where qemu-img opens
 * a format jimg does not read, jimg's verdict is the safe one: refused, naming the format.
 */
@Tag("interop")
class SampleImagesTest {
    private static final Pattern FORMAT = Pattern.compile("\"format\": \"([^\"]+)\"");
    private static final Pattern SIZE = Pattern.compile("\"virtual-size\": (\\d+)");
    /** qemu-img check's exit code for a format without a check. */
    private static final int CHECK_NOT_SUPPORTED = 63;

    @TempDir
    Path dir;

    /**
     * @param sample         under testdata/
     * @param foreign        the format jimg recognises but does not read (qemu-img opens it), or null
     * @param refusalMessage what jimg's refusal says where qemu-img refuses too, or null
     */
    record Sample(String sample, String foreign, String refusalMessage) {
        @Override
        public String toString() {
            return sample;
        }
    }

    static Stream<Arguments> samples() {
        return Stream.of(
                new Sample("vhd/afl5.img.bz2", null, "Max Table Entries too large"),
                new Sample("vhd/d2v-zerofilled.vhd.bz2", null, null),
                new Sample("vhd/hyperv2012r2-dynamic.vhd.bz2", null, null),
                new Sample("vhd/virtualpc-dynamic.vhd.bz2", null, null),
                new Sample("vhdx/iotest-dirtylog-10G-4M.vhdx.bz2", null, "log"),
                new Sample("vhdx/iotest-dynamic-1G.vhdx.bz2", null, null),
                new Sample("vhdx/test-disk2vhd.vhdx.bz2", null, null),
                new Sample("vmdk/afl9.vmdk.bz2", null, "L1 size too big"),
                new Sample("vmdk/iotest-version3.vmdk.bz2", null, null),
                new Sample("samples/empty.bochs.bz2", "bochs", null),
                new Sample("samples/simple-pattern.cloop.bz2", "cloop", null),
                new Sample("samples/simple-dmg.dmg.bz2", "dmg", null),
                new Sample("samples/parallels-v1.bz2", "parallels", null),
                new Sample("samples/parallels-v2.bz2", "parallels", null),
                new Sample("samples/parallels-with-bitmap.bz2", "parallels", null),
                new Sample("samples/grub_mbr.raw.bz2", null, null)).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void getsQemuImgsVerdict(Sample s) throws IOException {
        Path image = TestImages.unpackSample(s.sample(), dir);
        ExternalTool.Result qemu = ExternalTool.qemuImg(dir, "info", "--output=json", "-U", image.toString());
        if (qemu.exitCode() != 0) {
            assertTrue(s.refusalMessage() != null, s + ": qemu-img refuses (" + qemu.stderr().strip()
                    + ") but the table expects it to open");
            ImageException e = assertThrows(ImageException.class, () -> Images.openReadOnly(image).close());
            assertTrue(e.getMessage().contains(s.refusalMessage()), s + ": " + e.getMessage());
            return;
        }
        String qemuFormat = group(FORMAT, qemu.stdout());
        long qemuSize = Long.parseLong(group(SIZE, qemu.stdout()));
        if (s.foreign() != null) {
            assertEquals(s.foreign(), qemuFormat, s + ": qemu-img's probe");
            NotSupportedException e = assertThrows(NotSupportedException.class,
                    () -> Images.openReadOnly(image).close());
            assertTrue(e.getMessage().contains("'" + s.foreign() + "'") && e.getMessage().contains("not supported"),
                    s + ": " + e.getMessage());
            return;
        }
        int qemuCheck = ExternalTool.qemuImg(dir, "check", "-U", image.toString()).exitCode();
        try (BlockNode node = Images.openReadOnly(image)) {
            assertEquals(qemuFormat, node.formatName(), s + ": probed format");
            assertEquals(qemuSize, node.size(), s + ": virtual size");
            var checkable = node.capability(Checkable.class);
            int check = checkable.isPresent()
                    ? checkable.get().check(Checkable.Repair.NONE, line -> { }).exitCode() : CHECK_NOT_SUPPORTED;
            assertEquals(qemuCheck, check, s + ": check's exit code");
        }
    }

    @Test
    void probedRawBootSectorRefusesWritesThatWouldChangeWhatItProbesAs() throws IOException {
        Path image = TestImages.unpackSample("samples/grub_mbr.raw.bz2", dir);
        try (BlockNode node = Images.open(image, null, OpenOptions.defaults())) {
            assertEquals("raw", node.formatName());
            byte[] qcow2 = {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3};
            ImageException e = assertThrows(ImageException.class, () -> node.write(0, ByteBuffer.wrap(qcow2)));
            assertTrue(e.getMessage().contains("sector 0") || e.getMessage().contains("probe"), e.getMessage());
            node.write(446, ByteBuffer.wrap(new byte[] {(byte) 0x80}));
            ByteBuffer b = ByteBuffer.allocate(1);
            node.read(446, b);
            assertEquals((byte) 0x80, b.get(0), "a write that keeps sector 0 raw is allowed");
        }
    }

    private static String group(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new AssertionError("no " + p + " in qemu-img's output:\n" + text);
        }
        return m.group(1);
    }
}
