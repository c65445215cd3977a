package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.SnapshotInfo;
import dev.jimg.block.Snapshots;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.output.ImageInfoReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "snapshot", description = "List, create, apply or delete internal snapshots.",
        customSynopsis = "jimg snapshot [-U] [-q] [-f FMT] [-l | -a SNAPSHOT | -c SNAPSHOT | -d SNAPSHOT] FILE")
final class SnapshotCommand extends VerbBase {
    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Action action;

    static final class Action {
        @Option(names = {"-l", "--list"})
        boolean list;

        @Option(names = {"-a", "--apply"}, paramLabel = "SNAPSHOT")
        String apply;

        @Option(names = {"-c", "--create"}, paramLabel = "SNAPSHOT")
        String create;

        @Option(names = {"-d", "--delete"}, paramLabel = "SNAPSHOT")
        String delete;
    }

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Option(names = {"-q", "--quiet"})
    boolean quiet;

    @Parameters(index = "0", paramLabel = "FILE")
    String filename;

    SnapshotCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        boolean list = action == null || action.list;
        if (!list && forceShare) {
            throw new ImageException("--force-share (-U) can only be used with -l");
        }
        try (BlockNode node = open(filename, format, list, forceShare, null)) {
            if (list) {
                Optional<Snapshots> snapshots = node.capability(Snapshots.class);
                if (snapshots.isPresent()) {
                    List<SnapshotInfo> all = snapshots.get().list();
                    if (!all.isEmpty() && !quiet) {
                        List<Object> rows = new ArrayList<>();
                        for (SnapshotInfo s : all) {
                            rows.add(ImageInfoReport.snapshotFields(s));
                        }
                        ctx.out().println("Snapshot list:");
                        ImageInfoReport.printSnapshotTable(rows, ctx.out());
                    }
                }
                return 0;
            }
            String what = action.create != null ? "create" : action.apply != null ? "apply" : "delete";
            String name = action.create != null ? action.create : action.apply != null ? action.apply : action.delete;
            Snapshots snapshots = requireCapability(node, filename, Snapshots.class,
                    "Could not " + what + " snapshot '" + name + "': ", "internal snapshots");
            switch (what) {
                case "create" -> snapshots.create(name);
                case "apply" -> snapshots.apply(name);
                default -> snapshots.delete(name);
            }
            node.flush();
        }
        return 0;
    }
}
