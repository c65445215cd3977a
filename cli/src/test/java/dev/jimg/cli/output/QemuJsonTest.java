package dev.jimg.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QemuJsonTest {
    @Test
    void ordersMembersAsQemusQdictIterates() {
        Map<String, Object> info = new LinkedHashMap<>();
        for (String key : List.of("filename", "format", "dirty-flag", "actual-size", "virtual-size", "cluster-size",
                "backing-filename", "full-backing-filename", "backing-filename-format", "snapshots",
                "format-specific")) {
            info.put(key, 0);
        }
        // The order qemu-img 7.2 prints for an image with all of these fields.
        assertEquals(List.of("backing-filename-format", "snapshots", "virtual-size", "filename", "cluster-size",
                "format", "actual-size", "format-specific", "full-backing-filename", "backing-filename",
                "dirty-flag"), QemuJson.qdictOrder(info));
    }

    @Test
    void printsNestedStructuresWithFourSpaceIndentation() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("compat", "1.1");
        Map<String, Object> outer = new LinkedHashMap<>();
        outer.put("type", "qcow2");
        outer.put("data", inner);
        assertEquals("{\n    \"type\": \"qcow2\",\n    \"data\": {\n        \"compat\": \"1.1\"\n    }\n}",
                QemuJson.pretty(outer));
        assertEquals("[\n    1,\n    true\n]", QemuJson.pretty(List.of(1L, true)));
    }

    @Test
    void escapesControlAndNonAsciiCharactersAsQemuDoes() {
        assertEquals("\"a\\\"b\\\\c\\n\\u00E9\"", QemuJson.pretty("a\"b\\c\né"));
    }
}
