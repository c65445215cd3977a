package dev.jimg.emulator.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The Linux test guest: a RISC-V kernel {@code Image} and an {@code initramfs.cpio} whose init runs
 * the disk test named on the kernel command line (see {@code testdata/guest/README.md}).
 *
 * <p>{@code testdata/guest/build.sh} builds both from Debian packages into a cache outside the
 * repository, keyed by everything that determines them, and prints the cache directory; once
 * built, asking again costs milliseconds. The first build on a machine takes minutes.
 */
public record GuestImage(Path kernel, Path initramfs) {

    /** The build script, relative to the repository root. */
    static final Path BUILD_SCRIPT = Path.of("testdata", "guest", "build.sh");

    /** A cold build takes about 8 minutes on 2 cores; leave room for a busy machine. */
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(45);
    /** The guest's RAM: enough for init's 1 MiB buffers and the stress workers. */
    private static final String MEMORY = "256M";

    private static GuestImage built;

    public GuestImage {
        requireFile(kernel);
        requireFile(initramfs);
    }

    /** Builds the guest, or finds it in the cache; once per JVM, since the result cannot change. */
    public static synchronized GuestImage build() throws IOException {
        if (built == null) {
            Path script = repositoryRoot().resolve(BUILD_SCRIPT);
            HostCommand.Output output = HostCommand.run(BUILD_TIMEOUT, "bash", script.toString());
            List<String> lines = output.stdout().lines().toList();
            if (lines.isEmpty()) {
                throw new IOException(script + " printed no cache directory; its messages:\n" + output.stderr());
            }
            Path dir = Path.of(lines.getLast());
            built = new GuestImage(dir.resolve("Image"), dir.resolve("initramfs.cpio"));
        }
        return built;
    }

    /**
     * The options that boot this guest on a {@code virt} machine, for QEMU and for jimg's emulator
     * alike, with {@code parameters} (e.g. {@code jimg.test=readwrite jimg.dev=/dev/vda}) appended to
     * the kernel command line. Disks and other devices follow.
     */
    public List<String> bootOptions(String parameters) {
        return List.of("-M", "virt", "-m", MEMORY, "-nographic", "-no-reboot", "-bios", "default",
                "-kernel", kernel.toString(),
                "-initrd", initramfs.toString(),
                // panic=-1: a crashed guest resets, which -no-reboot turns into the machine exiting.
                "-append", "console=ttyS0 panic=-1 " + parameters);
    }

    /**
     * The repository root: the nearest directory at or above the working directory that holds the
     * build script. Maven runs a module's tests in the module's directory.
     */
    static Path repositoryRoot() throws IOException {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(BUILD_SCRIPT))) {
                return dir;
            }
        }
        throw new IOException("no " + BUILD_SCRIPT + " in " + start + " or any directory above it");
    }

    private static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("guest file " + file + " does not exist");
        }
    }
}
