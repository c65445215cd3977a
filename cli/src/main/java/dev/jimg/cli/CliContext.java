package dev.jimg.cli;

import dev.jimg.block.FormatRegistry;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.Formats;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;

/**
 * What every verb shares: the output streams, the file system names resolve in, and the image
 * opener — built on first use, so that verbs which never open an image pay nothing for it.
 */
public final class CliContext {
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final FileSystem fileSystem;
    private boolean debug;
    private boolean allowExternalPaths;
    private FormatRegistry registry;
    private ImageOpener opener;

    public CliContext(PrintStream out, PrintStream err, InputStream in, FileSystem fileSystem) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.fileSystem = fileSystem;
    }

    public CliContext(PrintStream out, PrintStream err) {
        this(out, err, System.in, FileSystems.getDefault());
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public InputStream in() {
        return in;
    }

    public FileSystem fileSystem() {
        return fileSystem;
    }

    public boolean debug() {
        return debug;
    }

    void setDebug(boolean debug) {
        this.debug = debug;
    }

    void setAllowExternalPaths(boolean allow) {
        this.allowExternalPaths = allow;
    }

    /**
     * Open options with the settings every verb shares — whether images may name files outside
     * their own directory ({@code --allow-external-paths}) — for the verb to complete.
     */
    public OpenOptions.Builder openOptions() {
        return OpenOptions.builder().allowExternalPaths(allowExternalPaths);
    }

    public synchronized FormatRegistry registry() {
        if (registry == null) {
            registry = Formats.registry();
        }
        return registry;
    }

    public synchronized ImageOpener opener() {
        if (opener == null) {
            opener = new ImageOpener(registry(), fileSystem, this::warn);
        }
        return opener;
    }

    /** Prints a warning as qemu-img does ({@code WARNING: …}) on stderr. */
    public void warn(String message) {
        err.println("WARNING: " + message);
    }

    /** Prints a one-line error ({@code jimg: <message>}) on stderr. */
    public void error(String message) {
        err.println("jimg: " + message);
    }
}
