package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.CheckResult;
import dev.jimg.block.Checkable;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.output.QemuJson;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code check}: exit 0 clean, 1 check not completed, 2 corruptions, 3 leaks only, 63 the format
 * cannot be checked — exactly qemu-img's codes, so that scripts keep working.
 */
@Command(name = "check", description = "Check an image for consistency, optionally repairing it.",
        customSynopsis = "jimg check [-q] [-f FMT] [--output=human|json] [-r leaks|all] [-T CACHE] [-U] FILE")
final class CheckCommand extends VerbBase {
    static final int NOT_SUPPORTED = 63;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = "--output", paramLabel = "human|json")
    String output;

    @Option(names = {"-r", "--repair"}, paramLabel = "leaks|all")
    String repair;

    @Option(names = {"-T", "--cache"}, paramLabel = "CACHE")
    String cache;

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    CheckCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        String mode = checkOutputFormat(output);
        Checkable.Repair fix = Checkable.Repair.NONE;
        if (repair != null) {
            fix = switch (repair) {
                case "leaks" -> Checkable.Repair.LEAKS;
                case "all" -> Checkable.Repair.ALL;
                default -> throw new ImageException("--repair (-r) expects 'leaks' or 'all', not '" + repair + "'");
            };
            if (forceShare) {
                throw new ImageException("--force-share (-U) cannot be used together with --repair (-r)");
            }
        }
        try (BlockNode node = open(filename, format, fix == Checkable.Repair.NONE, forceShare, cache)) {
            Optional<Checkable> checkable = node.capability(Checkable.class);
            if (checkable.isEmpty()) {
                ctx.error("This image format does not support checks");
                return NOT_SUPPORTED;
            }
            PrintStream out = ctx.out();
            CheckResult result = checkable.get().check(fix, line -> {
                if (!quiet && mode.equals("human")) {
                    ctx.err().println(line);
                }
            });
            if (result.corruptionsFixed() > 0 || result.leaksFixed() > 0) {
                if (mode.equals("human") && !quiet) {
                    out.printf("The following inconsistencies were found and repaired:%n%n"
                            + "    %d leaked clusters%n    %d corruptions%n%nDouble checking the fixed image now...%n",
                            result.leaksFixed(), result.corruptionsFixed());
                }
                CheckResult again = checkable.get().check(Checkable.Repair.NONE, line -> {
                    if (!quiet && mode.equals("human")) {
                        ctx.err().println(line);
                    }
                });
                result = new CheckResult(again.corruptions(), again.leaks(), again.checkErrors(),
                        result.corruptionsFixed(), result.leaksFixed(), again.imageEndOffset(), again.totalClusters(),
                        again.allocatedClusters(), again.fragmentedClusters(), again.compressedClusters());
            }
            if (!quiet) {
                if (mode.equals("json")) {
                    out.println(QemuJson.pretty(json(result, node.formatName())));
                } else {
                    printHuman(result, out);
                }
            }
            if (result.checkErrors() > 0) {
                ctx.error("Check failed");
            }
            return result.exitCode();
        }
    }

    private Map<String, Object> json(CheckResult r, String formatName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", filename);
        m.put("format", formatName);
        m.put("check-errors", r.checkErrors());
        putIfPositive(m, "image-end-offset", r.imageEndOffset());
        putIfPositive(m, "corruptions", r.corruptions());
        putIfPositive(m, "leaks", r.leaks());
        putIfPositive(m, "corruptions-fixed", r.corruptionsFixed());
        putIfPositive(m, "leaks-fixed", r.leaksFixed());
        putIfPositive(m, "total-clusters", r.totalClusters());
        putIfPositive(m, "allocated-clusters", r.allocatedClusters());
        putIfPositive(m, "fragmented-clusters", r.fragmentedClusters());
        putIfPositive(m, "compressed-clusters", r.compressedClusters());
        return m;
    }

    private static void putIfPositive(Map<String, Object> m, String key, long value) {
        if (value > 0) {
            m.put(key, value);
        }
    }

    private static void printHuman(CheckResult r, PrintStream out) {
        if (r.isClean()) {
            out.println("No errors were found on the image.");
        } else {
            if (r.corruptions() > 0) {
                out.printf("%n%d errors were found on the image.%n"
                        + "Data may be corrupted, or further writes to the image may corrupt it.%n", r.corruptions());
            }
            if (r.leaks() > 0) {
                out.printf("%n%d leaked clusters were found on the image.%n"
                        + "This means waste of disk space, but no harm to data.%n", r.leaks());
            }
            if (r.checkErrors() > 0) {
                out.printf("%n%d internal errors have occurred during the check.%n", r.checkErrors());
            }
        }
        if (r.totalClusters() > 0 && r.allocatedClusters() > 0) {
            double total = r.totalClusters();
            long allocated = Math.max(1, r.allocatedClusters());
            // printf's %.2f, exact as glibc rounds it; String.format's first %f would load the
            // locale providers, a few milliseconds of every qcow2 check.
            out.println(r.allocatedClusters() + "/" + r.totalClusters() + " = "
                    + Sizes.toFixed(r.allocatedClusters() * 100.0 / total, 2) + "% allocated, "
                    + Sizes.toFixed(Math.max(0, r.fragmentedClusters()) * 100.0 / allocated, 2) + "% fragmented, "
                    + Sizes.toFixed(Math.max(0, r.compressedClusters()) * 100.0 / allocated, 2)
                    + "% compressed clusters");
        }
        if (r.imageEndOffset() > 0) {
            out.println("Image end offset: " + r.imageEndOffset());
        }
    }
}
