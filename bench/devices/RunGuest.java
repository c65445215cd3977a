import dev.jimg.block.ImageOpener;
import dev.jimg.emulator.launch.Emulator;
import dev.jimg.formats.Formats;
import java.util.List;

/**
 * Starts the emulator with jimg's format drivers (the emulator's own {@code main} finds drivers
 * through the service loader, which a plain class path of the modules does not provide).
 * Arguments are qemu-system-riscv64's.
 */
public final class RunGuest {
    public static void main(String[] args) {
        ImageOpener opener = new ImageOpener(Formats.registry(), warning -> System.err.println("jimg: " + warning));
        System.exit(Emulator.run(List.of(args), opener, System.in, System.out, System.err));
    }
}
