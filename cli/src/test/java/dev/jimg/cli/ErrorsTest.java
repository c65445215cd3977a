package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User errors are one line on stderr, {@code jimg: <file>: <problem>}, with qemu-img's exit code. */
class ErrorsTest {
    @TempDir
    Path dir;

    @Test
    void aMissingFileIsOneLineNamingIt() {
        String p = dir.resolve("nope.qcow2").toString();
        Jimg.Result r = Jimg.run("info", p);
        assertEquals(1, r.exitCode());
        assertEquals("jimg: " + p + ": Could not open '" + p + "': No such file or directory\n", r.stderr());
    }

    @Test
    void anUnknownFormatIsRefused() {
        String p = dir.resolve("x").toString();
        Jimg.Result r = Jimg.run("create", "-f", "foo", p, "1M");
        assertEquals(1, r.exitCode());
        assertEquals("jimg: " + p + ": Unknown file format 'foo'\n", r.stderr());
    }

    @Test
    void aBadSizeGetsQemuImgsHint() {
        Jimg.Result r = Jimg.run("create", "-f", "raw", dir.resolve("x").toString(), "12Q");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().startsWith("jimg: Invalid image size specified."), r.stderr());
        assertEquals(1, r.stderr().lines().count());
    }

    @Test
    void measureAndResizeGiveTheSameHintForABadSize() {
        for (Jimg.Result r : new Jimg.Result[] {Jimg.run("measure", "--size", "12Q"),
                Jimg.run("resize", dir.resolve("x").toString(), "+12Q")}) {
            assertEquals(1, r.exitCode());
            assertTrue(r.stderr().startsWith("jimg: Invalid image size specified. You may use k, M, G, T, P or E"),
                    r.stderr());
        }
    }

    @Test
    void aFormatThatCannotMeasureIsRefusedInQemuImgsWords() {
        for (String format : new String[] {"vdi", "vmdk", "vpc", "vhdx"}) {
            Jimg.Result r = Jimg.run("measure", "-O", format, "--size", "1G");
            assertEquals(1, r.exitCode());
            assertEquals("jimg: Block driver '" + format + "' does not support size measurement\n", r.stderr());
        }
    }

    @Test
    void anOperationTheFormatLacksIsRefusedNamingFormatAndOperation() {
        String p = dir.resolve("x.raw").toString();
        assertEquals(0, Jimg.run("create", "-q", "-f", "raw", p, "1M").exitCode());
        assertEquals("jimg: " + p + ": Format driver 'raw' does not support option amendment\n",
                Jimg.run("amend", "-f", "raw", "-o", "size=2M", p).stderr());
        assertEquals("jimg: " + p + ": Format driver 'raw' does not support compaction\n",
                Jimg.run("compact", "-f", "raw", p).stderr());
        assertEquals("jimg: " + p + ": Could not create snapshot 's': Format driver 'raw' does not support"
                + " internal snapshots\n", Jimg.run("snapshot", "-f", "raw", "-c", "s", p).stderr());
        assertEquals("jimg: " + p + ": Could not change the backing file to 'b.raw': Format driver 'raw' does not"
                + " support backing files\n", Jimg.run("rebase", "-u", "-f", "raw", "-b", "b.raw", "-F", "raw", p)
                .stderr());
    }

    @Test
    void anUnknownOptionPointsToHelp() {
        Jimg.Result r = Jimg.run("info", "--frobnicate", "x");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().startsWith("jimg: Unknown option: '--frobnicate'"), r.stderr());
        assertTrue(r.stderr().contains("jimg info --help"));
    }

    @Test
    void anInvalidCreateOptionIsNamed() {
        String p = dir.resolve("x").toString();
        Jimg.Result r = Jimg.run("create", "-f", "raw", "-o", "foo=bar", p, "1M");
        assertEquals("jimg: " + p + ": Invalid parameter 'foo'\n", r.stderr());
    }

    @Test
    void aFeatureOfALaterReleaseSaysSoInsteadOfDoingNothing() {
        Jimg.Result r = Jimg.run("bitmap", "--add", "x", "b");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("not supported yet"), r.stderr());
    }

    @Test
    void everyVerbHasItsOwnHelp() {
        for (String verb : new String[] {"create", "info", "check", "convert", "compare", "map", "measure",
                "snapshot", "rebase", "commit", "amend", "dd", "bench"}) {
            Jimg.Result r = Jimg.run(verb, "--help");
            assertEquals(0, r.exitCode(), verb);
            assertTrue(r.stdout().contains("jimg " + verb), verb + ": " + r.stdout());
        }
        Jimg.Result top = Jimg.run("--help");
        assertTrue(top.stdout().contains("convert"));
    }

    @Test
    void noStackTraceUnlessDebugging() {
        Jimg.Result r = Jimg.run("info", dir.resolve("nope").toString());
        assertFalse(r.stderr().contains("\tat "), r.stderr());
    }
}
