package dev.jimg.emulator.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code -bios default}: the OpenSBI {@code fw_dynamic} firmware as Debian installs it. The
 * {@code opensbi} package's build is preferred (OpenSBI 1.1 on Debian 12); QEMU's own copy is the
 * fallback.
 */
final class Firmware {
    static final List<Path> DEFAULT_LOCATIONS = List.of(
            Path.of("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"),
            Path.of("/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin"));

    private Firmware() {
    }

    /** The firmware for {@code -bios value}, or {@code null} for none. */
    static Path resolve(String value) {
        if (value.equals("none")) {
            return null;
        }
        if (value.equals("default")) {
            for (Path p : DEFAULT_LOCATIONS) {
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
            throw new OptionException("-bios default: OpenSBI firmware not found in " + DEFAULT_LOCATIONS
                    + "; install it with 'apt-get install opensbi'");
        }
        Path p = Path.of(value);
        if (!Files.isRegularFile(p)) {
            throw new OptionException("-bios " + value + ": no such file");
        }
        return p;
    }
}
