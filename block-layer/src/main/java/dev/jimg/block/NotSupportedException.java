package dev.jimg.block;

/**
 * An operation the format (or this version of jimg) does not offer, e.g. internal snapshots of a
 * raw image. The message names the format and the operation, as qemu-img does
 * ("Format driver 'raw' does not support snapshots").
 */
public class NotSupportedException extends ImageException {
    private static final long serialVersionUID = 1L;

    public NotSupportedException(String message) {
        super(message);
    }

    public NotSupportedException(String file, String message) {
        super(file, message);
    }

    /** qemu-img's words for an operation a format lacks: "Format driver 'vdi' does not support {@code what}". */
    public static String formatLacks(String format, String what) {
        return "Format driver '" + format + "' does not support " + what;
    }

    public static NotSupportedException byFormat(String format, String what) {
        return new NotSupportedException(formatLacks(format, what));
    }

    @Override
    protected ImageException withFile(String file) {
        return new NotSupportedException(file, getMessage());
    }
}
