package dev.jimg.emulator.launch;

/** A command line the emulator cannot accept; the message is what the user sees after "jimg: ". */
final class OptionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OptionException(String message) {
        super(message);
    }
}
