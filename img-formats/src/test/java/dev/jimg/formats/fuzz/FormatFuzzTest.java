package dev.jimg.formats.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * One fuzz target per format: the input is an image file, given to {@link ImageWorkout}.
 *
 * <p>In the regular test run (Jazzer's regression mode) each target replays its corpus,
 * {@code testdata/fuzz/<method name>/}: the seeds — small valid images of every subformat — and
 * every input that ever made the target fail, under {@code crashes/}. {@code bench/fuzz.sh} runs
 * real campaigns ({@code JAZZER_FUZZ=1}). The method names are the format names, since they name
 * the corpus directories.
 *
 * <p>The timeout is the hang bound: no image of a few MiB may take longer to open, check, map,
 * read and write a little.
 */
@Timeout(value = FormatFuzzTest.HANG_BOUND_SECONDS, unit = TimeUnit.SECONDS)
class FormatFuzzTest {
    static final long HANG_BOUND_SECONDS = 20;

    @FuzzTest
    void raw(byte[] image) throws IOException {
        ImageWorkout.run("raw", image);
    }

    @FuzzTest
    void qcow2(byte[] image) throws IOException {
        ImageWorkout.run("qcow2", image);
    }

    @FuzzTest
    void vdi(byte[] image) throws IOException {
        ImageWorkout.run("vdi", image);
    }

    @FuzzTest
    void vmdk(byte[] image) throws IOException {
        ImageWorkout.run("vmdk", image);
    }

    @FuzzTest
    void vpc(byte[] image) throws IOException {
        ImageWorkout.run("vpc", image);
    }

    @FuzzTest
    void vhdx(byte[] image) throws IOException {
        ImageWorkout.run("vhdx", image);
    }

    @FuzzTest
    void ova(byte[] image) throws IOException {
        ImageWorkout.run("ova", image);
    }

    @FuzzTest
    void gzip(byte[] image) throws IOException {
        ImageWorkout.run("gzip", image);
    }

    @FuzzTest
    void xz(byte[] image) throws IOException {
        ImageWorkout.run("xz", image);
    }

    @FuzzTest
    void zstd(byte[] image) throws IOException {
        ImageWorkout.run("zstd", image);
    }
}
