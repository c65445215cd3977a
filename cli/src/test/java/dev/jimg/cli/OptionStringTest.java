package dev.jimg.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jimg.block.ImageException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionStringTest {
    @Test
    void parsesKeyValuePairsWithDoubledCommasAsLiterals() {
        assertEquals(Map.of("cluster_size", "4k", "backing_file", "a,b.qcow2"),
                OptionString.parse("cluster_size=4k,backing_file=a,,b.qcow2", null));
    }

    @Test
    void mergesRepeatedOptionsLaterWinning() {
        assertEquals(Map.of("a", "2", "b", "1"), OptionString.parse(List.of("a=1,b=1", "a=2")));
    }

    @Test
    void takesALeadingBareWordAsTheImpliedKey() {
        assertEquals(Map.of("file", "disk.img", "if", "virtio"), OptionString.parse("disk.img,if=virtio", "file"));
    }

    @Test
    void recognisesHelpAndRefusesOtherBareWords() {
        assertEquals(true, OptionString.wantsHelp(OptionString.parse(List.of("help"))));
        assertEquals(true, OptionString.wantsHelp(OptionString.parse(List.of("?"))));
        assertThrows(ImageException.class, () -> OptionString.parse(List.of("a=1,bogus")));
    }
}
