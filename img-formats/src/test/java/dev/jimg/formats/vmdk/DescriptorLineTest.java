package dev.jimg.formats.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.CorruptImageException;
import dev.jimg.formats.vmdk.Descriptor.ExtentLine;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link DescriptorLine} reads lines exactly as the regular expressions of the VMDK descriptor
 * grammar do: for generated lines built from the grammar's own tokens and the characters its
 * corner cases turn on (quotes, comments, line terminators other than LF, Java's {@code \s}
 * set), both accept the same lines with the same fields and refuse the same ones with the
 * same message.
 */
class DescriptorLineTest {
    private static final Pattern EXTENT = Pattern.compile(
            "^(RW|RDONLY|NOACCESS)\\s+(\\d+)\\s+(\\S+)(?:\\s+\"([^\"]*)\"(?:\\s+(\\d+))?)?\\s*(?:#.*)?$");
    private static final Pattern EXTENT_START = Pattern.compile("^(RW|RDONLY|NOACCESS)\\s.*");
    private static final Pattern KEY_VALUE = Pattern.compile("^\\s*([A-Za-z0-9_.]+)\\s*=\\s*(.*?)\\s*$");

    private static final List<String> TOKENS = List.of("RW", "RDONLY", "NOACCESS", "RWX", "SPARSE", "FLAT", "zero",
            "ZERO", "VMFS", "0", "7", "2048", "99999999999999999999", "\"", "\"disk.vmdk\"", "\"a b\"", "#", "# c",
            " ", " ", " ", "\t", "\r", "\u000b", "\f", "\u0085", "\u2028", "\u00a0", "=", "ddb.adapterType",
            "version", "createType", "x", "-", ".", "_");

    private static final int LINES = 40_000;

    private static final List<List<String>> EXTENT_SLOTS = List.of(
            List.of("RW", "RDONLY", "NOACCESS", "RWX", ""),
            List.of(" ", "\t", "  ", "", "\r"),
            List.of("0", "7", "2048", "99999999999999999999", "12a", ""),
            List.of(" ", "\t ", "", "\u2028"),
            List.of("SPARSE", "FLAT", "ZERO", "zero", "ZERO#c", "FLAT#", "VMFS\"x\"", ""),
            List.of("", "", " \"disk.vmdk\"", " \"a b\"", " \"unterminated", " \"a\rb\"", "\"x\"", " \"\""),
            List.of("", "", " 0", " 5", "5", " 12abc", " 99999999999999999999"),
            List.of("", "", " #c", "#c", " # x\u2028", " #", " junk"));
    private static final List<List<String>> KEY_VALUE_SLOTS = List.of(
            List.of("", " ", "\t"),
            List.of("version", "ddb.adapterType", "a_b.c", "a-b", "", "\"k\""),
            List.of("", " ", "\r"),
            List.of("=", "==", "", " = "),
            List.of("", " ", "\t"),
            List.of("1", "\"ide\"", "a\rb", "", "x\u0085", " y ", "#c", "a=b"),
            List.of("", " ", "\f"));

    /**
     * Lines shaped by the grammar, slot by slot, with a wrong variant in many slots, and a third
     * of them with a stray token inserted somewhere; the same for every run (the seed is fixed).
     */
    private static List<String> lines(List<List<String>> slots) {
        Random random = new Random(20261125);
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            StringBuilder line = new StringBuilder();
            for (List<String> slot : slots) {
                line.append(slot.get(random.nextInt(slot.size())));
            }
            if (random.nextInt(3) == 0) {
                line.insert(random.nextInt(line.length() + 1), TOKENS.get(random.nextInt(TOKENS.size())));
            }
            lines.add(line.toString().strip());
        }
        return lines;
    }

    @Test
    void readsExtentLinesAsTheRegularExpressionDoes() {
        int matched = 0;
        for (String line : lines(EXTENT_SLOTS)) {
            String expected = outcome(() -> byRegex(line));
            assertEquals(expected, outcome(() -> DescriptorLine.extent(line, "d.vmdk")), line);
            assertEquals(EXTENT_START.matcher(line).matches(), DescriptorLine.startsAsExtent(line), line);
            matched += expected.equals("no match") ? 0 : 1;
        }
        assertTrue(matched > LINES / 100, "too few extent lines generated to compare: " + matched);
    }

    @Test
    void readsKeyValueLinesAsTheRegularExpressionDoes() {
        int matched = 0;
        for (String line : lines(KEY_VALUE_SLOTS)) {
            Matcher m = KEY_VALUE.matcher(line);
            String[] expected = m.matches() ? new String[] {m.group(1), m.group(2)} : null;
            assertArrayEquals(expected, DescriptorLine.keyValue(line), line);
            matched += expected == null ? 0 : 1;
        }
        assertTrue(matched > LINES / 100, "too few key = value lines generated to compare: " + matched);
    }

    @Test
    void readsTheLinesQemuImgWrites() {
        assertEquals(new ExtentLine("RW", 20480, "SPARSE", "disk.vmdk", 0),
                DescriptorLine.extent("RW 20480 SPARSE \"disk.vmdk\"", "d"));
        assertEquals(new ExtentLine("RW", 4192256, "FLAT", "disk-flat.vmdk", 0),
                DescriptorLine.extent("RW 4192256 FLAT \"disk-flat.vmdk\" 0", "d"));
        assertEquals(new ExtentLine("RDONLY", 8, "ZERO", null, 0), DescriptorLine.extent("RDONLY 8 ZERO#note x", "d"));
        assertArrayEquals(new String[] {"ddb.adapterType", "\"ide\""},
                DescriptorLine.keyValue("ddb.adapterType = \"ide\""));
        assertNull(DescriptorLine.keyValue("version"));
    }

    /** The record, or the message it was refused with, or "no match". */
    private static String outcome(java.util.function.Supplier<ExtentLine> parse) {
        try {
            ExtentLine e = parse.get();
            return e == null ? "no match" : e.toString();
        } catch (CorruptImageException e) {
            return "refused: " + e.getMessage();
        }
    }

    /** The grammar by regular expression, with the checks the descriptor makes of a matching line. */
    private static ExtentLine byRegex(String line) {
        Matcher m = EXTENT.matcher(line);
        if (!m.matches()) {
            return null;
        }
        long sectors;
        long offset;
        try {
            sectors = Long.parseLong(m.group(2));
            offset = m.group(5) == null ? 0 : Long.parseLong(m.group(5));
        } catch (NumberFormatException e) {
            throw new CorruptImageException("Invalid extent line in the VMDK descriptor of d.vmdk: " + line);
        }
        String type = m.group(3).toUpperCase(Locale.ROOT);
        if (sectors <= 0 || sectors > Long.MAX_VALUE / 1024 || offset > Long.MAX_VALUE / 1024) {
            throw new CorruptImageException("Invalid extent size in the VMDK descriptor of d.vmdk: " + line);
        }
        if (m.group(4) == null && !type.equals("ZERO")) {
            throw new CorruptImageException("Extent of type " + type + " names no file in the VMDK descriptor of "
                    + "d.vmdk: " + line);
        }
        return new ExtentLine(m.group(1), sectors, type, m.group(4), offset);
    }
}
