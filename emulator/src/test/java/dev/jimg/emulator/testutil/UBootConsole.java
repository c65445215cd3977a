package dev.jimg.emulator.testutil;

import java.time.Duration;

/** Talking to Debian's U-Boot on a {@link GuestSession}'s console, as a user at its prompt does. */
public final class UBootConsole {
    /** The prompt at the start of a line ("==> " in crc32 output must not match). */
    public static final String PROMPT = "\n=> ";

    private UBootConsole() {
    }

    /** Waits for the autoboot countdown, stops it with a key and waits for the prompt. */
    public static void stopAutoboot(GuestSession guest, Duration timeout) throws Exception {
        guest.waitFor("Hit any key to stop autoboot", timeout);
        guest.type(" ");
        guest.waitFor(PROMPT, timeout);
    }

    /** Types a command and returns what it printed before the next prompt. */
    public static String run(GuestSession guest, String command, Duration timeout) throws Exception {
        guest.type(command + "\r");
        guest.waitFor(command, timeout);
        return guest.waitFor(PROMPT, timeout);
    }
}
