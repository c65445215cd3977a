package dev.jimg.block.spi;

/** Option names and specs many drivers share, spelled as in qemu-img. */
public final class CommonOptions {
    public static final String SIZE = "size";
    public static final String BACKING_FILE = "backing_file";
    public static final String BACKING_FMT = "backing_fmt";
    public static final String PREALLOCATION = "preallocation";

    public static final OptionSpec SIZE_SPEC = OptionSpec.size(SIZE, "Virtual disk size", null);
    public static final OptionSpec BACKING_FILE_SPEC =
            OptionSpec.string(BACKING_FILE, "File name of a base image");
    public static final OptionSpec BACKING_FMT_SPEC =
            OptionSpec.string(BACKING_FMT, "Image format of the base image");

    private CommonOptions() {
    }
}
