package dev.jimg.formats.foreign;

import dev.jimg.block.BlockNode;
import dev.jimg.block.NotSupportedException;
import dev.jimg.block.spi.FormatDriver;
import dev.jimg.block.spi.OpenContext;
import dev.jimg.block.spi.ProbeInput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Formats qemu-img reads and jimg does not: recognised by their signatures so that such an image
 * is refused with its name, rather than probed as raw — which would show the container's bytes
 * as a disk and, opened for writing, let a write turn it into something else.
 *
 * <p>Signatures as QEMU's drivers probe them: Bochs' "Bochs Virtual HD Image" string with a
 * "Redolog" type ({@code block/bochs.c}); cloop's shell preamble ({@code block/cloop.c});
 * Parallels' two header magics ({@code block/parallels.c}); and for DMG, which QEMU recognises by
 * file name only, the "koly" trailer every UDIF image ends with.
 */
public final class ForeignFormatDriver implements FormatDriver {
    private final String name;
    private final String description;
    private final Signature signature;

    /** How a format's signature is found in the probe input. */
    @FunctionalInterface
    private interface Signature {
        boolean matches(ProbeInput input);
    }

    private ForeignFormatDriver(String name, String description, Signature signature) {
        this.name = name;
        this.description = description;
        this.signature = signature;
    }

    /** Every recognised-only format. */
    public static List<FormatDriver> all() {
        return List.of(
                new ForeignFormatDriver("bochs", "Bochs growing disk",
                        in -> in.headMatches(0, ascii("Bochs Virtual HD Image")) && in.headMatches(32, ascii("Redolog"))),
                new ForeignFormatDriver("cloop", "compressed loop image",
                        in -> in.headMatches(0, ascii("#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0"))),
                new ForeignFormatDriver("dmg", "Apple disk image", ForeignFormatDriver::hasKolyTrailer),
                new ForeignFormatDriver("parallels", "Parallels disk",
                        in -> in.headMatches(0, ascii("WithoutFreeSpace")) || in.headMatches(0, ascii("WithouFreSpacExt"))));
    }

    private static boolean hasKolyTrailer(ProbeInput in) {
        byte[] tail = in.tail();
        return tail.length >= 512 && Arrays.equals(tail, tail.length - 512, tail.length - 508, ascii("koly"), 0, 4);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int probe(ProbeInput input) {
        return signature.matches(input) ? 100 : 0;
    }

    @Override
    public BlockNode open(OpenContext context) {
        throw new NotSupportedException(context.filename(), "Image format '" + name + "' (" + description
                + ") is recognised but not supported by jimg; convert it with qemu-img first");
    }
}
