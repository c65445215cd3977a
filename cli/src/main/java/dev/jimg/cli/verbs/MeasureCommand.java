package dev.jimg.cli.verbs;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.ImageOptions;
import dev.jimg.block.spi.MeasureRequest;
import dev.jimg.block.spi.Measurement;
import dev.jimg.block.util.Sizes;
import dev.jimg.cli.CliContext;
import dev.jimg.cli.OptionString;
import dev.jimg.cli.output.QemuJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "measure", description = "Calculate the file size required for a new image.",
        customSynopsis = "jimg measure [--output=human|json] [-O OUTPUT_FMT] [-o OPTIONS] [--size N | [-f FMT] [-l SNAPSHOT] FILE]")
final class MeasureCommand extends VerbBase {
    @Option(names = "--output", paramLabel = "human|json")
    String output;

    @Option(names = {"-O", "--target-format"}, paramLabel = "OUTPUT_FMT")
    String targetFormat = "raw";

    @Option(names = {"-o", "--options"}, paramLabel = "OPTIONS")
    List<String> options = new ArrayList<>();

    @Option(names = {"-s", "--size"}, paramLabel = "N")
    String size;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT")
    String format;

    @Option(names = {"-l", "--snapshot"}, paramLabel = "SNAPSHOT")
    String snapshot;

    @Option(names = {"-U", "--force-share"})
    boolean forceShare;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE")
    String filename;

    MeasureCommand(CliContext ctx) {
        super(ctx);
    }

    @Override
    protected int run() throws Exception {
        String mode = checkOutputFormat(output);
        FormatDriver driver = ctx.registry().find(targetFormat)
                .orElseThrow(() -> new ImageException("Unknown file format '" + targetFormat + "'"));
        Map<String, String> raw = OptionString.parse(options);
        if (OptionString.wantsHelp(raw)) {
            ImageCreation.printOptionHelp(driver, ctx.out());
            return 0;
        }
        if (filename == null && size == null) {
            throw new ImageException("Either --size N or one filename must be specified.");
        }
        if (filename != null && size != null) {
            throw new ImageException("--size N cannot be used together with a filename.");
        }
        if (snapshot != null) {
            throw new ImageException("-l (snapshot) is not supported by measure yet");
        }
        ImageOptions opts = ImageOptions.of(driver.createOptions(), raw);
        Measurement m;
        if (filename != null) {
            try (BlockNode source = open(filename, format, true, forceShare, null)) {
                m = driver.measure(new MeasureRequest(source.size(), opts, Optional.of(source)));
            }
        } else {
            m = driver.measure(new MeasureRequest(Sizes.parseImageSize(size), opts, Optional.empty()));
        }
        if (mode.equals("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("required", m.required());
            json.put("fully-allocated", m.fullyAllocated());
            if (m.bitmaps() >= 0) {
                json.put("bitmaps", m.bitmaps());
            }
            ctx.out().println(QemuJson.pretty(json));
        } else {
            ctx.out().println("required size: " + m.required());
            ctx.out().println("fully allocated size: " + m.fullyAllocated());
            if (m.bitmaps() >= 0) {
                ctx.out().println("bitmaps size: " + m.bitmaps());
            }
        }
        return 0;
    }
}
