package dev.jimg.cli.verbs;

import dev.jimg.block.NotSupportedException;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.PreparesArguments;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code run}: boots the RISC-V virt machine with qemu-system-riscv64's options. The options are
 * qemu's single-dash long options, so they are passed to the emulator's own parser untouched.
 */
@Command(name = "run", description = "Boot a RISC-V virt machine (qemu-system-riscv64 options).")
final class RunCommand extends VerbBase implements PreparesArguments {
    private List<String> arguments = List.of();

    RunCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    public String[] prepare(String[] args) {
        arguments = List.of(args);
        return new String[0];
    }

    @Override
    protected int run() {
        throw new NotSupportedException("run: the emulator is not part of this build yet (" + arguments.size()
                + " arguments ignored)");
    }
}
