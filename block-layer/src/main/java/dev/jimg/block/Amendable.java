package dev.jimg.block;

import dev.jimg.block.spi.ImageOptions;
import java.io.IOException;

/** Changing format options of an existing image ({@code qemu-img amend -o …}). */
public interface Amendable {
    /** Applies {@code options} (validated against the driver's create options); refuses what cannot change. */
    void amend(ImageOptions options, ProgressListener progress) throws IOException;
}
