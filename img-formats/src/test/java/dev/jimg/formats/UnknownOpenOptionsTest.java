package dev.jimg.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jimg.block.BlockNode;
import dev.jimg.block.ImageException;
import dev.jimg.block.OpenOptions;
import dev.jimg.formats.testing.Images;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every driver refuses open options it does not know and accepts the ones it does. */
class UnknownOpenOptionsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"raw, offset, 0", "qcow2, cache-size, 1M", "vdi, , ", "vmdk, , ", "vpc, force_size_calc, chs",
        "vhdx, , "})
    void anUnknownOpenOptionIsRefusedAndAKnownOneAccepted(String format, String known, String value)
            throws Exception {
        Path img = dir.resolve("a." + format);
        Images.create(format, img, 1 << 20, Map.of());
        OpenOptions unknown = OpenOptions.builder().driverOptions(Map.of("frobnicate", "1")).build();
        ImageException e = assertThrows(ImageException.class, () -> Images.open(img, format, unknown).close());
        assertEquals("Invalid parameter 'frobnicate'", e.getMessage());
        if (known != null) {
            try (BlockNode node = Images.open(img, format,
                    OpenOptions.builder().driverOptions(Map.of(known, value)).build())) {
                assertEquals(format, node.formatName());
            }
        }
    }
}
