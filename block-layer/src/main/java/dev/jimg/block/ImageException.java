package dev.jimg.block;

/**
 * A problem the user can act on: a missing file, a bad option, an image jimg cannot open.
 *
 * <p>The message is a complete sentence fragment that the command line prints after the file name
 * ({@code jimg: <file>: <message>}), so it never repeats the file name unless it names another one.
 * Host I/O failures are {@link java.io.IOException}s instead; corruption of an image's own metadata
 * is the subclass {@link CorruptImageException}.
 */
public class ImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;

    public ImageException(String message) {
        this(null, message, null);
    }

    public ImageException(String file, String message) {
        this(file, message, null);
    }

    public ImageException(String file, String message, Throwable cause) {
        super(requireMessage(message), cause);
        this.file = file;
    }

    /** The file the problem is about, or {@code null} when the caller's context names it. */
    public String file() {
        return file;
    }

    /** Returns this error attributed to {@code file}, unless it already names one. */
    public ImageException inFile(String file) {
        if (this.file != null || file == null) {
            return this;
        }
        ImageException named = withFile(file);
        named.setStackTrace(getStackTrace());
        return named;
    }

    /** Subclasses override this so that {@link #inFile} keeps their type. */
    protected ImageException withFile(String file) {
        return new ImageException(file, getMessage(), getCause());
    }

    private static String requireMessage(String message) {
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("an ImageException needs a message");
        }
        return message;
    }
}
