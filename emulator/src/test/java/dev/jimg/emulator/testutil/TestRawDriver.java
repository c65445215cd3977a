package dev.jimg.emulator.testutil;

import dev.jimg.block.BlockNode;
import dev.jimg.block.FilterNode;
import dev.jimg.block.FormatRegistry;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.ProbeInput;
import java.util.List;

/**
 * A stand-in for the raw format in this module's tests (the real drivers live in img-formats):
 * the image is its file, byte for byte.
 */
public final class TestRawDriver implements FormatDriver {

    /** An opener that knows this driver only, and drops its warnings: raw images need none. */
    public static ImageOpener opener() {
        return new ImageOpener(new FormatRegistry(List.of(new TestRawDriver())), w -> { });
    }

    @Override
    public String name() {
        return "raw";
    }

    @Override
    public int probe(ProbeInput input) {
        return 1;
    }

    @Override
    public BlockNode open(OpenContext context) {
        return new Raw(context.file());
    }

    /** The file node under the name "raw". */
    private static final class Raw extends FilterNode {
        Raw(BlockNode file) {
            super(file);
        }

        @Override
        public String formatName() {
            return "raw";
        }
    }
}
