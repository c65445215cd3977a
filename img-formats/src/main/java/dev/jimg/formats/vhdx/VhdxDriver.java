package dev.jimg.formats.vhdx;

import dev.jimg.block.BlockNode;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.OptionSpec;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.util.List;

/**
 * VHDX, Hyper-V's format since Windows Server 2012 (specification: "VHDX Format Specification"
 * v1.0, Microsoft, 2012). Dynamic and fixed images are read and written; differencing images are
 * refused, as by QEMU. Probed by the "vhdxfile" signature at offset 0.
 */
public final class VhdxDriver implements FormatDriver {
    public static final String NAME = "vhdx";

    static final String OPT_LOG_SIZE = "log_size";
    static final String OPT_BLOCK_SIZE = "block_size";
    static final String OPT_SUBFORMAT = "subformat";
    static final String OPT_BLOCK_STATE_ZERO = "block_state_zero";

    private static final int MAGIC_PROBE_SCORE = 100;

    private static final List<OptionSpec> CREATE_OPTIONS = List.of(
            OptionSpec.size(CommonOptions.SIZE, "Virtual disk size; max of 64TB.", null),
            OptionSpec.size(OPT_LOG_SIZE, "Log size; min 1MB.", "1048576"),
            OptionSpec.size(OPT_BLOCK_SIZE, "Block Size; min 1MB, max 256MB. 0 means auto-calculate based on image"
                    + " size.", "0"),
            OptionSpec.choice(OPT_SUBFORMAT, "VHDX format type, can be either 'dynamic' or 'fixed'. Default is"
                    + " 'dynamic'.", null, "dynamic", "fixed"),
            OptionSpec.bool(OPT_BLOCK_STATE_ZERO, "Force use of payload blocks of type 'ZERO'. Non-standard, but"
                    + " default.  Do not set to 'off' when using 'qemu-img convert' with subformat=dynamic.", null));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ProbeInput input) {
        return input.headMatches(0, VhdxOpener.SIGNATURE) ? MAGIC_PROBE_SCORE : 0;
    }

    @Override
    public BlockNode open(OpenContext context) throws IOException {
        return VhdxOpener.open(context);
    }

    @Override
    public List<OptionSpec> createOptions() {
        return CREATE_OPTIONS;
    }

    @Override
    public boolean supportsCreate() {
        return true;
    }

    @Override
    public void create(CreateRequest request) throws IOException {
        VhdxCreator.create(request);
    }
}
