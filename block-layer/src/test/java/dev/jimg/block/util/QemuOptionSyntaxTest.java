package dev.jimg.block.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class QemuOptionSyntaxTest {
    @Test
    void splitsAtSingleCommasAndUnescapesDoubledOnes() {
        assertEquals(List.of("file=a,b.img", "format=raw"), QemuOptionSyntax.items("file=a,,b.img,format=raw"));
    }

    @Test
    void keepsEmptyItemsSoTheFirstItemCanBeTold() {
        assertEquals(List.of("", "disk.img"), QemuOptionSyntax.items(",disk.img"));
        assertEquals(List.of("size=1G", ""), QemuOptionSyntax.items("size=1G,"));
        assertEquals(List.of(""), QemuOptionSyntax.items(""));
    }
}
