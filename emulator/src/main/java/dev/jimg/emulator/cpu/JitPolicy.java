package dev.jimg.emulator.cpu;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Keeps HotSpot's C2 compiler away from the interpreter loop, so that it runs as C1 code.
 *
 * <p>Measured on the Linux test guest (45 million instructions to init): with the default tiered
 * policy the loop spends its first two CPU-seconds in C1's profiling tier at about 10 MIPS, waiting
 * for C2 (whose code then runs Linux at about 100 MIPS); C1's optimised tier without profiling runs
 * the same boot at about 120 MIPS from the start. Tight integer loops lose a third (230 to 155
 * MIPS), a price worth paying for boot times a fifth as long. The rest of the emulator (FPU, MMU
 * slow paths, devices) keeps the default policy.
 *
 * <p>The directive goes in through HotSpot's diagnostic command MBean
 * ({@code Compiler.directives_add}), which needs no JVM flag. On a JVM without it nothing changes.
 * Setting the system property {@value #KEEP_C2} to {@code true} keeps the default policy (for long
 * CPU-bound runs).
 */
final class JitPolicy {
    static final String KEEP_C2 = "jimg.emulator.c2";
    private static final String DIRECTIVE = "[{ match: \"dev/jimg/emulator/cpu/Interpreter.*\", c2: { Exclude: true } }]";
    private static boolean applied;
    private static String outcome = "not attempted";

    private JitPolicy() {
    }

    /** Installs the directive once per JVM; returns whether it is in force. */
    static synchronized boolean apply() {
        if (applied || Boolean.getBoolean(KEEP_C2)) {
            return applied;
        }
        Path file = null;
        try {
            file = Files.createTempFile("jimg-jit-", ".json");
            Files.writeString(file, DIRECTIVE);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName command = new ObjectName("com.sun.management:type=DiagnosticCommand");
            Object result = server.invoke(command, "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            outcome = String.valueOf(result).trim();
            applied = outcome.startsWith("1 ");
        } catch (IOException | JMException | RuntimeException e) {
            // Not HotSpot, or no management support: the emulator runs, only its start-up is slower.
            outcome = "unavailable: " + e;
        } finally {
            deleteQuietly(file);
        }
        return applied;
    }

    /** What the last attempt said, for diagnostics. */
    static synchronized String outcome() {
        return outcome;
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            outcome += "; could not delete " + file + ": " + e.getMessage();
        }
    }
}
