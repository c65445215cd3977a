package dev.jimg.cli.verbs;

import dev.jimg.emulator.launch.Emulator;
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
        return Emulator.run(arguments, ctx.opener(), ctx.in(), ctx.out(), ctx.err());
    }
}
