package dev.jimg.cli;

import static dev.jimg.block.testing.ExternalTool.qemuImg;
import static dev.jimg.block.testing.ExternalTool.qemuIo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jimg against the real qemu-img on raw images: same output, same exit codes, same bytes. */
class RawInteropTest {
    @TempDir
    Path dir;

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    /** A 64 MiB sparse raw image with a few patterned ranges written by qemu-io. */
    private String patterned(String name) {
        String p = path(name);
        qemuImg(dir, "create", "-q", "-f", "raw", p, "64M").assertSuccess();
        qemuIo(dir, "-f", "raw", "-c", "write -P 0x11 1M 64k", "-c", "write -P 0x22 5M 2M",
                "-c", "write -P 0x33 63M 1M", "-c", "write -z 5M 4k", p).assertSuccess();
        return p;
    }

    @Test
    void infoJsonIsTextuallyIdenticalToQemuImg() {
        String p = patterned("a.raw");
        assertEquals(qemuImg(dir, "info", "--output=json", p).assertSuccess().stdout(),
                Jimg.run("info", "--output=json", p).assertSuccess().stdout());
    }

    @Test
    void humanInfoIsTextuallyIdenticalToQemuImg() {
        String p = patterned("a.raw");
        assertEquals(qemuImg(dir, "info", p).assertSuccess().stdout(), Jimg.run("info", p).assertSuccess().stdout());
    }

    @Test
    void mapIsTextuallyIdenticalToQemuImgInBothOutputs() {
        String p = patterned("a.raw");
        assertEquals(qemuImg(dir, "map", "--output=json", p).assertSuccess().stdout(),
                Jimg.run("map", "--output=json", p).assertSuccess().stdout());
        assertEquals(qemuImg(dir, "map", p).assertSuccess().stdout(), Jimg.run("map", p).assertSuccess().stdout());
        assertEquals(qemuImg(dir, "map", "--output=json", "--start-offset=4M", "--max-length=2M", p).stdout(),
                Jimg.run("map", "--output=json", "--start-offset=4M", "--max-length=2M", p).stdout());
    }

    @Test
    void createdRawImagesMatchQemuImgsInSizeAndAllocation() {
        String ours = path("ours.raw");
        String theirs = path("theirs.raw");
        Jimg.Result r = Jimg.run("create", "-f", "raw", ours, "1G").assertSuccess();
        assertEquals("Formatting '" + ours + "', fmt=raw size=1073741824\n", r.stdout());
        qemuImg(dir, "create", "-q", "-f", "raw", theirs, "1G").assertSuccess();
        assertEquals(qemuImg(dir, "map", "--output=json", theirs).stdout().replace(theirs, ours),
                qemuImg(dir, "map", "--output=json", ours).stdout());
    }

    @Test
    void convertedRawComparesEqualAndIsAsSparseAsQemuImgsCopy() throws IOException {
        String src = patterned("src.raw");
        String ours = path("ours.raw");
        String theirs = path("theirs.raw");
        Jimg.run("convert", "-O", "raw", src, ours).assertSuccess();
        qemuImg(dir, "convert", "-O", "raw", src, theirs).assertSuccess();
        assertEquals(0, qemuImg(dir, "compare", src, ours).exitCode());
        assertEquals(0, qemuImg(dir, "compare", "-s", theirs, ours).exitCode());
        long oursAllocated = allocated(ours);
        long theirsAllocated = allocated(theirs);
        assertTrue(oursAllocated <= theirsAllocated, "ours " + oursAllocated + " vs qemu-img " + theirsAllocated);
        assertEquals(qemuImg(dir, "map", "--output=json", theirs).stdout().replace(theirs, ours),
                qemuImg(dir, "map", "--output=json", ours).stdout());
    }

    @Test
    void convertDetectsZeroRunsInsideDataUnlessToldNotTo() throws IOException {
        String src = path("zeroes.raw");
        qemuImg(dir, "create", "-q", "-f", "raw", "-o", "preallocation=full", src, "8M").assertSuccess();
        qemuIo(dir, "-f", "raw", "-c", "write -P 0x44 3M 4k", src).assertSuccess();
        String sparse = path("sparse.raw");
        String full = path("full.raw");
        Jimg.run("convert", "-O", "raw", src, sparse).assertSuccess();
        Jimg.run("convert", "-S", "0", "-O", "raw", src, full).assertSuccess();
        assertTrue(allocated(sparse) <= 64 * 1024, "sparse copy allocates " + allocated(sparse));
        assertEquals(8L << 20, allocated(full));
        assertEquals(0, qemuImg(dir, "compare", src, sparse).exitCode());
        assertEquals(0, qemuImg(dir, "compare", src, full).exitCode());
    }

    /**
     * Zeroes written as data — allocated on the host, so the source's block status says data —
     * of every size around the 4 KiB that {@code -S} skips, aligned and not, between patterned
     * data; and a second source of 1000 bytes, padded to a sector in the output. jimg copies the
     * data through the kernel where it can: the output must still have qemu-img's holes.
     */
    @Test
    void convertLeavesHolesWhereQemuImgDoesAroundAllocatedZeroBlocks() throws IOException {
        String src = path("zero-blocks.raw");
        qemuImg(dir, "create", "-q", "-f", "raw", src, "8M").assertSuccess();
        qemuIo(dir, "-f", "raw", "-c", "write -P 0x61 0 1M", "-c", "write -P 0 4k 4k", "-c", "write -P 0 10k 4k",
                "-c", "write -P 0 20k 512", "-c", "write -P 0 24k 3584", "-c", "write -P 0 64k 8k",
                "-c", "write -P 0 130560 5k", "-c", "write -P 0 512k 64k", "-c", "write -P 0 1020k 4k",
                "-c", "write -P 0 2M 1M", "-c", "write -P 0x62 3M 12k", "-c", "write -P 0 3M 4k", src).assertSuccess();
        String tail = path("tail.raw");
        qemuImg(dir, "create", "-q", "-f", "raw", tail, "1000").assertSuccess();
        qemuIo(dir, "-f", "raw", "-c", "write -P 0x63 0 999", tail).assertSuccess();
        for (String[] options : new String[][] {{}, {"-W"}, {"-S", "8k"}}) {
            String ours = path("zb-ours.raw");
            String theirs = path("zb-theirs.raw");
            Files.deleteIfExists(Path.of(ours));
            Files.deleteIfExists(Path.of(theirs));
            Jimg.run(concat(new String[] {"convert", "-O", "raw"}, options, src, tail, ours)).assertSuccess();
            qemuImg(dir, concat(new String[] {"convert", "-O", "raw"}, options, src, tail, theirs)).assertSuccess();
            String what = String.join(" ", options);
            assertEquals(0, qemuImg(dir, "compare", "-s", "-f", "raw", "-F", "raw", theirs, ours).exitCode(), what);
            assertEquals(qemuImg(dir, "map", "--output=json", theirs).stdout().replace(theirs, ours),
                    qemuImg(dir, "map", "--output=json", ours).stdout(), what);
            assertEquals(allocated(theirs), allocated(ours), what);
        }
    }

    private static String[] concat(String[] head, String[] middle, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + middle.length + tail.length);
        System.arraycopy(middle, 0, all, head.length, middle.length);
        System.arraycopy(tail, 0, all, head.length + middle.length, tail.length);
        return all;
    }

    @Test
    void concatenatesSeveralSourcesAsQemuImgDoes() {
        String a = patterned("a.raw");
        String b = path("b.raw");
        qemuImg(dir, "create", "-q", "-f", "raw", b, "1000").assertSuccess();
        qemuIo(dir, "-f", "raw", "-c", "write -P 0x55 0 512", b).assertSuccess();
        String ours = path("cat-ours.raw");
        String theirs = path("cat-theirs.raw");
        Jimg.run("convert", "-O", "raw", b, a, b, ours).assertSuccess();
        qemuImg(dir, "convert", "-O", "raw", b, a, b, theirs).assertSuccess();
        assertEquals(0, qemuImg(dir, "compare", "-s", "-f", "raw", "-F", "raw", theirs, ours).exitCode());
    }

    @Test
    void compareAgreesWithQemuImgOnVerdictAndMessage() {
        String a = patterned("a.raw");
        String b = patterned("b.raw");
        qemuIo(dir, "-f", "raw", "-c", "write -P 0x99 6M 512", b).assertSuccess();
        String bigger = path("big.raw");
        qemuImg(dir, "convert", "-O", "raw", a, bigger).assertSuccess();
        qemuImg(dir, "resize", "-q", "-f", "raw", bigger, "65M").assertSuccess();
        for (String[] pair : new String[][] {{a, a}, {a, b}, {a, bigger}}) {
            ExternalTool.Result theirs = qemuImg(dir, "compare", pair[0], pair[1]);
            Jimg.Result ours = Jimg.run("compare", pair[0], pair[1]);
            assertEquals(theirs.exitCode(), ours.exitCode(), "exit code for " + pair[0] + " " + pair[1]);
            assertEquals(theirs.stdout(), ours.stdout());
        }
        ExternalTool.Result strictTheirs = qemuImg(dir, "compare", "-s", a, bigger);
        Jimg.Result strictOurs = Jimg.run("compare", "-s", a, bigger);
        assertEquals(strictTheirs.exitCode(), strictOurs.exitCode());
        assertEquals(strictTheirs.stdout(), strictOurs.stdout());
        assertEquals(2, Jimg.run("compare", a, path("missing.raw")).exitCode());
    }

    @Test
    void checkOfRawSaysItCannotBeCheckedWithExitCode63() {
        String p = patterned("a.raw");
        Jimg.Result r = Jimg.run("check", p);
        assertEquals(63, r.exitCode());
        assertEquals(qemuImg(dir, "check", p).exitCode(), r.exitCode());
        assertEquals("jimg: This image format does not support checks\n", r.stderr());
    }

    @Test
    void measureAgreesWithQemuImgForRaw() {
        String p = patterned("a.raw");
        assertEquals(qemuImg(dir, "measure", "-O", "raw", p).stdout(), Jimg.run("measure", "-O", "raw", p).stdout());
        assertEquals(qemuImg(dir, "measure", "--output=json", "-O", "raw", "--size", "1000").stdout(),
                Jimg.run("measure", "--output=json", "-O", "raw", "--size", "1000").stdout());
    }

    @Test
    void resizeGrowsAndShrinksOnlyWithConsent() throws IOException {
        String p = patterned("a.raw");
        assertEquals("Image resized.\n", Jimg.run("resize", "-f", "raw", p, "+1M").assertSuccess().stdout());
        assertEquals(65L << 20, Files.size(Path.of(p)));
        Jimg.Result refused = Jimg.run("resize", "-f", "raw", p, "-2M");
        assertEquals(1, refused.exitCode());
        assertTrue(refused.stderr().startsWith("jimg: Use the --shrink option to perform a shrink operation."));
        assertEquals(65L << 20, Files.size(Path.of(p)));
        Jimg.run("resize", "-f", "raw", "--shrink", p, "-2M").assertSuccess();
        assertEquals(63L << 20, Files.size(Path.of(p)));
    }

    @Test
    void ddCopiesTheSameBytesAsQemuImgDd() throws IOException {
        String p = patterned("a.raw");
        String ours = path("dd-ours.raw");
        String theirs = path("dd-theirs.raw");
        Jimg.run("dd", "-f", "raw", "-O", "raw", "bs=1M", "skip=4", "count=7", "if=" + p, "of=" + ours).assertSuccess();
        qemuImg(dir, "dd", "-f", "raw", "-O", "raw", "bs=1M", "skip=4", "count=7", "if=" + p, "of=" + theirs)
                .assertSuccess();
        assertEquals(Files.size(Path.of(theirs)), Files.size(Path.of(ours)));
        assertEquals(3L << 20, Files.size(Path.of(ours)));
        assertEquals(-1, Files.mismatch(Path.of(theirs), Path.of(ours)));
        Jimg.Result tooFar = Jimg.run("dd", "-f", "raw", "bs=1M", "skip=5", "count=3", "if=" + p, "of=" + path("x"));
        assertEquals(1, tooFar.exitCode());
        assertEquals("jimg: " + p + ": cannot skip to specified offset\n", tooFar.stderr());
    }

    /** Bytes the file system allocated to the file, from stat(1). */
    private static long allocated(String p) {
        String out = ExternalTool.run(null, "stat", "--format=%b %B", p).assertSuccess().stdout().trim();
        String[] parts = out.split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }
}
