package dev.jimg.emulator.launch;

import dev.jimg.block.BlockNode;
import dev.jimg.block.FormatRegistry;
import dev.jimg.block.spi.FormatDriver;
import java.util.ServiceLoader;
import dev.jimg.block.ImageException;
import dev.jimg.block.ImageOpener;
import dev.jimg.emulator.devices.SifiveTest;
import dev.jimg.emulator.machine.MachineConfig;
import dev.jimg.emulator.machine.PciStorage;
import dev.jimg.emulator.machine.VirtMachine;
import dev.jimg.emulator.machine.VirtioDisk;
import dev.jimg.emulator.memory.BusErrorException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The emulator's entry point: qemu-system-riscv64-like options in, a machine run on the calling
 * thread, an exit status out (0 after power-off or with {@code -no-reboot} a reset, the guest's
 * code after a test-finisher failure, 1 when the command line or an image is unusable).
 *
 * <p>The serial console is always on {@code in}/{@code out} (this emulator has no display, so
 * {@code -nographic} is implied); when {@code in} is the process's terminal it is switched to raw
 * mode, and Ctrl-A x quits as in QEMU.
 */
public final class Emulator {
    private Emulator() {
    }

    /**
     * Runs the emulator as a program (the benchmarks start it this way), with the format drivers
     * found on the class path.
     */
    public static void main(String[] args) {
        List<FormatDriver> drivers = ServiceLoader.load(FormatDriver.class).stream().map(ServiceLoader.Provider::get)
                .toList();
        ImageOpener opener = new ImageOpener(new FormatRegistry(drivers), warning -> System.err.println("jimg: " + warning));
        System.exit(run(List.of(args), opener, System.in, System.out, System.err));
    }

    public static int run(List<String> args, ImageOpener opener, InputStream in, PrintStream out, PrintStream err) {
        try {
            LaunchOptions options = LaunchOptions.parse(args);
            Path firmware = Firmware.resolve(options.bios());
            Path kernel = existing("-kernel", options.kernel());
            Path initrd = existing("-initrd", options.initrd());
            if (options.dumpDtb() != null) {
                return dumpDtb(options, err);
            }
            try (Drives drives = Drives.open(options, opener)) {
                MachineConfig config = new MachineConfig(options.ramSize(), firmware, kernel, initrd, options.append(),
                        drives.disks(), options.timeSkip(), out, warning -> err.println("jimg: warning: " + warning),
                        drives.pciStorage());
                return boot(config, options.noReboot(), in, out);
            }
        } catch (OptionException | ImageException | BusErrorException e) {
            err.println("jimg: " + message(e));
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("jimg: " + e.getMessage());
            return 1;
        }
    }

    private static String message(RuntimeException e) {
        if (e instanceof ImageException ie && ie.file() != null && !e.getMessage().contains(ie.file())) {
            return ie.file() + ": " + e.getMessage();
        }
        return e.getMessage();
    }

    private static Path existing(String option, String file) {
        if (file == null) {
            return null;
        }
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            throw new OptionException(option + " " + file + ": no such file");
        }
        return p;
    }

    private static int boot(MachineConfig config, boolean noReboot, InputStream in, PrintStream out)
            throws IOException {
        AtomicReference<VirtMachine> current = new AtomicReference<>();
        AtomicBoolean quit = new AtomicBoolean();
        SerialConsole console = new SerialConsole(in, out, new SerialConsole.Target() {
            @Override
            public void send(int b) throws InterruptedException {
                current.get().sendSerial(b);
            }

            @Override
            public void quit() {
                quit.set(true);
                current.get().powerOff();
            }
        });
        boolean started = false;
        try (TerminalMode terminal = in == System.in ? TerminalMode.enterRawIfTerminal() : null) {
            while (true) {
                VirtMachine machine = new VirtMachine(config);
                machine.load();
                current.set(machine);
                if (!started) {
                    console.start();
                    started = true;
                }
                SifiveTest.Outcome outcome = machine.run();
                out.flush();
                switch (outcome) {
                    case SifiveTest.Outcome.PowerOff p -> {
                        return p.status();
                    }
                    case SifiveTest.Outcome.Reset r -> {
                        if (noReboot || quit.get()) {
                            return 0;
                        }
                    }
                }
            }
        } finally {
            console.stop();
        }
    }

    private static int dumpDtb(LaunchOptions options, PrintStream err) throws IOException {
        Files.write(Path.of(options.dumpDtb()), VirtMachine.deviceTree(options.ramSize(), options.append()));
        return 0;
    }

    /**
     * The disks of the command line, opened, and closed again when the machine is done: those on
     * virtio-mmio slots, and the PCI storage controllers with theirs.
     */
    record Drives(List<VirtioDisk> disks, List<PciStorage> pciStorage, List<BlockNode> nodes) implements AutoCloseable {
        static Drives open(LaunchOptions options, ImageOpener opener) throws IOException {
            return DriveOpener.open(options, opener);
        }

        @Override
        public void close() throws IOException {
            IOException failure = null;
            for (BlockNode n : nodes) {
                try {
                    n.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
