package dev.jimg.emulator.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds bare-metal RISC-V test programs at test time with Debian's cross binutils
 * ({@code riscv64-linux-gnu-as}, {@code -ld}), linked at the start of RAM with the shared
 * {@code prelude.S} (output, trap reporting, checks, exits).
 */
public final class Toolchain {
    private static final String RESOURCES = "/dev/jimg/emulator/isa/";
    private static final long TOOL_TIMEOUT_SECONDS = 60;

    private Toolchain() {
    }

    /** The text of a program under the test resources {@code dev/jimg/emulator/isa/}. */
    public static String resource(String name) {
        try (InputStream in = Toolchain.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + RESOURCES + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Assembles {@code source} with the prelude and links it; returns the ELF file. */
    public static Path build(Path dir, String name, String source) throws IOException {
        Files.writeString(dir.resolve("macros.S"), resource("macros.S"));
        Files.writeString(dir.resolve("prelude.S"), resource("prelude.S"));
        Files.writeString(dir.resolve("link.ld"), resource("link.ld"));
        Path src = dir.resolve(name + ".S");
        Files.writeString(src, source);
        Path prelude = dir.resolve("prelude.o");
        Path object = dir.resolve(name + ".o");
        Path elf = dir.resolve(name + ".elf");
        run(dir, "riscv64-linux-gnu-as", "-march=rv64gc", "-I", dir.toString(), "-o", prelude.toString(),
                dir.resolve("prelude.S").toString());
        run(dir, "riscv64-linux-gnu-as", "-march=rv64gc", "-I", dir.toString(), "-o", object.toString(), src.toString());
        run(dir, "riscv64-linux-gnu-ld", "-T", dir.resolve("link.ld").toString(), "-o", elf.toString(),
                prelude.toString(), object.toString());
        return elf;
    }

    private static void run(Path dir, String... command) throws IOException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile())
                .redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command[0] + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
