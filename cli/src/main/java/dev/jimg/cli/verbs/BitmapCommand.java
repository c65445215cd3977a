package dev.jimg.cli.verbs;

import dev.jimg.block.ImageException;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.PreparesArguments;
import picocli.CommandLine.Command;

/** {@code bitmap}: persistent dirty bitmaps are not implemented; the verb says so instead of doing nothing. */
@Command(name = "bitmap", description = "Persistent dirty bitmaps (not supported yet).")
final class BitmapCommand extends VerbBase implements PreparesArguments {
    BitmapCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    public String[] prepare(String[] args) {
        return new String[0];
    }

    @Override
    protected int run() {
        throw new ImageException("bitmap: persistent dirty bitmaps are not supported yet");
    }
}
