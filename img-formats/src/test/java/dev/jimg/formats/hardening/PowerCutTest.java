package dev.jimg.formats.hardening;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.testing.FaultInjectingNode;
import dev.jimg.block.testing.MemoryFileNode;
import dev.jimg.formats.testing.Images;
import dev.jimg.formats.testing.NodeOpenContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Power cuts for every writable format with allocation metadata (qcow2 has its own, finer test
 * in {@code Qcow2CrashSafetyTest}): a guest workload runs against a disk that loses power after
 * its N-th write, for every N; writes not flushed by then are each kept, lost or torn sector by
 * sector at random. The disk left behind must open, {@code check} must find no corruption (leaks
 * are allowed), and every byte flushed before the cut and not written since must read back.
 */
class PowerCutTest {
    private static final int OPS = 60;
    /** Every tenth operation at most goes without a flush after it; the guest flushes at random too. */
    private static final int FLUSH_EVERY = 10;

    @TempDir
    Path dir;

    /** A format, its create options, the virtual size and the allocation unit the workload aligns to. */
    record Case(String format, Map<String, String> options, int size, int unit) {
        @Override
        public String toString() {
            return format + " " + options;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(new Case("vdi", Map.of(), 6 << 20, 1 << 20)),
                Arguments.of(new Case("vdi", Map.of("static", "on"), 3 << 20, 1 << 20)),
                Arguments.of(new Case("vmdk", Map.of("subformat", "monolithicSparse"), 2 << 20, 64 << 10)),
                Arguments.of(new Case("vpc", Map.of("subformat", "dynamic"), 8 << 20, 2 << 20)),
                Arguments.of(new Case("vhdx", Map.of("block_size", "1M", "log_size", "1M"), 4 << 20, 1 << 20)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cutAfterAnyWriteLeavesAnImageThatOpensChecksCleanAndKeepsFlushedData(Case c, TestReporter reporter)
            throws Exception {
        Path img = dir.resolve("fresh." + c.format());
        Images.create(c.format(), img, c.size(), c.options());
        byte[] fresh = Files.readAllBytes(img);
        long total = run(c, fresh, Long.MAX_VALUE, null);
        assertTrue(total > OPS / 2, c + ": the workload should write at least every other operation, wrote " + total);
        Random loss = new Random(7);
        for (long cut = 1; cut <= total; cut++) {
            run(c, fresh, cut, loss);
        }
        reporter.publishEntry("power cuts survived", c + ": " + total);
    }

    /** Runs the workload with the power cut after {@code cut} writes; returns the writes made. */
    private static long run(Case c, byte[] fresh, long cut, Random loss) throws Exception {
        FaultInjectingNode disk = new FaultInjectingNode(new MemoryFileNode("disk." + c.format(), fresh), cut);
        GuestModel guest = new GuestModel(11, new byte[c.size()], c.unit());
        try (BlockNode node = NodeOpenContext.open(c.format(), disk, false)) {
            for (int i = 0; i < OPS; i++) {
                boolean flush = guest.step(node);
                if (!flush && i % FLUSH_EVERY == FLUSH_EVERY - 1) {
                    node.flush();
                    flush = true;
                }
                if (flush && !disk.powerCut()) {
                    guest.flushed();
                }
            }
            if (loss == null) {
                int wrong = guest.firstDifference(Images.readAll(node));
                assertTrue(wrong < 0, c + ": without a cut, byte " + wrong + " does not read as written");
            }
        }
        if (loss == null) {
            return disk.writes();
        }
        verifyAfterCrash(c, disk.crashImage(loss, true), guest, "cut after write " + cut + " of " + c);
        return disk.writes();
    }

    private static void verifyAfterCrash(Case c, byte[] crashed, GuestModel guest, String what) throws IOException {
        List<String> report = new ArrayList<>();
        // Read-write first: a VHDX log left behind is replayed by a writable open, as in qemu.
        try (BlockNode node = NodeOpenContext.open(c.format(), new MemoryFileNode("crashed", crashed), false)) {
            int lost = guest.firstLostFlushedByte(Images.readAll(node));
            if (lost >= 0) {
                throw new AssertionError(what + ": byte " + lost + " was flushed but does not read back");
            }
            var checkable = node.capability(Checkable.class);
            if (checkable.isPresent()) {
                CheckResult r = checkable.get().check(Checkable.Repair.NONE, report::add);
                if (r.corruptions() != 0 || r.checkErrors() != 0) {
                    throw new AssertionError(what + ": check found " + r + ": " + report);
                }
            }
        } catch (dev.jimg.block.ImageException e) {
            throw new AssertionError(what + ": the image no longer opens or reads: " + e.getMessage(), e);
        }
    }
}
