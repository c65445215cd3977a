package dev.jimg.formats.vpc;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.spi.CommonOptions;
import dev.jimg.block.spi.CreateRequest;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.OptionSpec;
import dev.jimg.block.spi.ProbeInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * VHD, the Virtual PC / Hyper-V format, under QEMU's name {@code vpc}: fixed disks (data then a
 * footer), dynamic disks (footer copy, dynamic header, BAT, blocks, footer) and, read-only,
 * differencing disks over their parent.
 *
 * <p>Probing: a dynamic disk starts with the footer cookie "conectix" (score 100, as QEMU). A
 * fixed disk has its footer only at the end; QEMU probes it as raw, we recognise it by a valid
 * footer (cookie, checksum, disk type) and score it {@link #FIXED_PROBE_SCORE}: above raw, below
 * every header magic, since the guest's first sector could hold any format's header.
 */
public final class VpcDriver implements FormatDriver {
    public static final String NAME = "vpc";

    static final String OPT_SUBFORMAT = "subformat";
    static final String OPT_FORCE_SIZE = "force_size";
    /** QEMU's open option: override the creator rule for the virtual size ({@code chs} or {@code current_size}). */
    static final String OPT_FORCE_SIZE_CALC = "force_size_calc";

    static final int FIXED_PROBE_SCORE = 50;
    private static final int MAGIC_PROBE_SCORE = 100;

    private static final List<OptionSpec> CREATE_OPTIONS = List.of(
            CommonOptions.SIZE_SPEC,
            OptionSpec.choice(OPT_SUBFORMAT, "Type of virtual hard disk format. Supported formats are"
                    + " {dynamic (default) | fixed} ", null, "dynamic", "fixed"),
            OptionSpec.bool(OPT_FORCE_SIZE, "Force disk size calculation to use the actual size specified, rather"
                    + " than using the nearest CHS-based calculation", null));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ProbeInput input) {
        if (input.headMatches(0, VhdFooter.COOKIE)) {
            return MAGIC_PROBE_SCORE;
        }
        byte[] tail = input.tail();
        for (int footerLength : new int[] {VhdFooter.SIZE, VhdFooter.SIZE - 1}) {
            int at = tail.length - footerLength;
            if (at >= 0 && isFixedFooter(Arrays.copyOfRange(tail, at, tail.length))) {
                return FIXED_PROBE_SCORE;
            }
        }
        return 0;
    }

    private static boolean isFixedFooter(byte[] sector) {
        return VhdFooter.looksValid(sector) && VhdFooter.parse(sector).diskType() == VhdFooter.TYPE_FIXED;
    }

    @Override
    public BlockNode open(OpenContext context) throws IOException {
        return new VhdOpener(context, sizeRule(context)).open();
    }

    private static VhdFooter.SizeRule sizeRule(OpenContext context) {
        context.rejectUnknownOptions(Set.of(OPT_FORCE_SIZE_CALC));
        String mode = context.options().driverOptions().get(OPT_FORCE_SIZE_CALC);
        if (mode == null) {
            return VhdFooter.SizeRule.AUTO;
        }
        return switch (mode) {
            case "chs" -> VhdFooter.SizeRule.CHS;
            case "current_size" -> VhdFooter.SizeRule.CURRENT_SIZE;
            default -> throw new ImageException(context.filename(), "Invalid size calculation mode: '" + mode + "'");
        };
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
        VhdCreator.create(request);
    }

    /** Reads {@code length} bytes at {@code offset} of {@code file}. */
    static byte[] readBytes(BlockNode file, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        file.read(offset, b);
        return b.array();
    }
}
