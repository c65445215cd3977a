package dev.jimg.block;

/**
 * The image's own metadata is inconsistent: a table entry outside the file, a field out of range,
 * overlapping structures. Distinct from {@link ImageException} so that {@code check} and the format
 * drivers can tell "you asked for something impossible" from "this file is damaged" — QEMU marks an
 * image corrupt and stops writing to it in the second case.
 */
public class CorruptImageException extends ImageException {
    private static final long serialVersionUID = 1L;

    public CorruptImageException(String message) {
        super(message);
    }

    public CorruptImageException(String file, String message) {
        super(file, message);
    }

    public CorruptImageException(String file, String message, Throwable cause) {
        super(file, message, cause);
    }

    @Override
    protected ImageException withFile(String file) {
        return new CorruptImageException(file, getMessage(), getCause());
    }
}
