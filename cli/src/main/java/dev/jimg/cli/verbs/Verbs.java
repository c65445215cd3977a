package dev.jimg.cli.verbs;

import dev.jimg.cli.CliContext;
import java.io.PrintStream;
import java.util.function.Supplier;

/** The verbs jimg knows, by name; each is built only when asked for. */
public final class Verbs {
    private Verbs() {
    }

    /** The factory for {@code verb}, or null when there is no such verb. */
    public static Supplier<Object> find(String verb, CliContext ctx) {
        return switch (verb) {
            case "amend" -> () -> new AmendCommand(ctx);
            case "bench" -> () -> new BenchCommand(ctx);
            case "bitmap" -> () -> new BitmapCommand(ctx);
            case "check" -> () -> new CheckCommand(ctx);
            case "commit" -> () -> new CommitCommand(ctx);
            case "compact" -> () -> new CompactCommand(ctx);
            case "compare" -> () -> new CompareCommand(ctx);
            case "convert" -> () -> new ConvertCommand(ctx);
            case "create" -> () -> new CreateCommand(ctx);
            case "dd" -> () -> new DdCommand(ctx);
            case "info" -> () -> new InfoCommand(ctx);
            case "map" -> () -> new MapCommand(ctx);
            case "measure" -> () -> new MeasureCommand(ctx);
            case "rebase" -> () -> new RebaseCommand(ctx);
            case "resize" -> () -> new ResizeCommand(ctx);
            case "run" -> () -> new RunCommand(ctx);
            case "snapshot" -> () -> new SnapshotCommand(ctx);
            default -> null;
        };
    }

    /** {@code jimg --help}: the verbs with their syntax, as qemu-img lists them. */
    public static void printOverview(PrintStream out) {
        out.print("""
                usage: jimg [--debug] command [command options]
                jimg: a disk image utility compatible with qemu-img

                    '-h', '--help'       display this help and exit
                    '-V', '--version'    output version information and exit
                    '--debug'            print stack traces of internal errors
                    '--allow-external-paths'
                                         let images name files outside their own directory
                                         (VMDK extents, VDI parents); refused by default

                Command syntax:
                  amend [-p] [-q] [-f fmt] [-t cache] [--force] -o options filename
                  bench [-c count] [-d depth] [-f fmt] [--flush-interval=flush_interval] [-n] [--no-drain] [-o offset] [--pattern=pattern] [-q] [-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename
                  check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] [-T src_cache] [-U] filename
                  commit [-q] [-f fmt] [-t cache] [-b base] [-r rate_limit] [-d] [-p] filename
                  compact [-p] [-q] [-f fmt] filename      (jimg extension: drop zero blocks, shrink the file)
                  compare [-f fmt] [-F fmt] [-T src_cache] [-p] [-q] [-s] [-U] filename1 filename2
                  convert [--target-is-zero] [-U] [-c] [-p] [-q] [-n] [-f fmt] [-t cache] [-T src_cache] [-O output_fmt] [-B backing_file [-F backing_fmt]] [-o options] [-l snapshot_param] [-S sparse_size] [-r rate_limit] [-m num_coroutines] [-W] [--salvage] filename [filename2 [...]] output_filename
                  create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options] filename [size]
                  dd [-U] [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] [skip=blocks] if=input of=output
                  info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename
                  map [-f fmt] [--start-offset=offset] [--max-length=len] [--output=ofmt] [-U] filename
                  measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | [-f fmt] [-l snapshot_param] filename]
                  snapshot [-U] [-q] [-l | -a snapshot | -c snapshot | -d snapshot] filename
                  rebase [-U] [-q] [-f fmt] [-t cache] [-T src_cache] [-p] [-u] -b backing_file [-F backing_fmt] filename
                  resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] filename [+ | -]size
                  run [qemu-system-riscv64 options]     boot a RISC-V virt machine from images

                Each command accepts --help for its own options; long options follow current qemu-img
                (e.g. convert --target-format, create --backing-format/-B).

                Supported formats: raw qcow2 vdi vmdk vpc vhdx (some read-only; see docs/)
                """);
    }
}
