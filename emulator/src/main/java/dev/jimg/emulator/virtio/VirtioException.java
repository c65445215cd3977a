package dev.jimg.emulator.virtio;

/**
 * The driver broke the virtio protocol (a descriptor loop, a ring address outside memory). The
 * device stops using the queue and asks to be reset (DEVICE_NEEDS_RESET), as the specification
 * allows (virtio 1.1, section 2.1.2).
 */
public final class VirtioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VirtioException(String message) {
        super(message);
    }

    public VirtioException(String message, Throwable cause) {
        super(message, cause);
    }
}
