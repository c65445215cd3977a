package dev.jimg.emulator.testutil;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/** Talking to Debian's U-Boot on a {@link GuestSession}'s console, as a user at its prompt does. */
public final class UBootConsole {
    /** Debian's U-Boot for the virt board in S-mode (package u-boot-qemu), which OpenSBI starts. */
    public static final Path UBOOT = Path.of("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin");
    /** The prompt at the start of a line ("==> " in crc32 output must not match). */
    public static final String PROMPT = "\n=> ";

    private UBootConsole() {
    }

    /** The options that boot U-Boot on a {@code virt} machine with {@code devices} (drives and devices). */
    public static List<String> bootOptions(String... devices) {
        List<String> args = new ArrayList<>(List.of("-M", "virt", "-m", "256M", "-nographic", "-bios", "default",
                "-kernel", UBOOT.toString()));
        args.addAll(List.of(devices));
        return args;
    }

    /** What U-Boot's {@code crc32} command prints for {@code data}: {@code ==> } and the CRC-32 in hex. */
    public static String crc32Output(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return String.format("==> %08x", crc.getValue());
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
