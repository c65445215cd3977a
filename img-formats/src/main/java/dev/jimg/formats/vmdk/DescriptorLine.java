package dev.jimg.formats.vmdk;

import dev.jimg.block.CorruptImageException;
import dev.jimg.formats.vmdk.Descriptor.ExtentLine;
import java.util.Locale;

/**
 * Reads one line of a VMDK descriptor: an extent line ({@code RW 20480 SPARSE "disk.vmdk"}) or a
 * {@code key = value} line. By hand rather than by regular expression: a descriptor is read on
 * every open, mostly before the JIT has compiled anything, and a hostile one may have tens of
 * thousands of lines; a scan of each line's characters costs a fraction of running a regular
 * expression over it. The grammar is the one the regular expressions used to state, kept
 * character for character ({@code DescriptorLineTest} checks the two against each other):
 * <pre>
 * extent:    ^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\S+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?\s*(?:#.*)?$
 * key/value: ^\s*([A-Za-z0-9_.]+)\s*=\s*(.*?)\s*$
 * </pre>
 * with Java's meanings: {@code \s} is {@code [ \t\n\x0B\f\r]}, {@code \d} is {@code [0-9]}, and
 * {@code .} is any character but a line terminator.
 */
final class DescriptorLine {
    private static final String[] ACCESS_MODES = {"RW", "RDONLY", "NOACCESS"};

    private DescriptorLine() {
    }

    /** Whether {@code line} starts as an extent line does: an access mode, then white space. */
    static boolean startsAsExtent(String line) {
        int word = wordEnd(line, 0);
        return word < line.length() && isAccessMode(line, word) && noLineTerminator(line, word + 1);
    }

    /**
     * The extent {@code line} describes, or null if it is not a well-formed extent line (the
     * caller tells a malformed one by {@link #startsAsExtent}).
     */
    static ExtentLine extent(String line, String where) {
        int n = line.length();
        int i = wordEnd(line, 0);
        if (i == n || !isAccessMode(line, i)) {
            return null;
        }
        String access = line.substring(0, i);
        int digits = skipSpace(line, i);
        i = digitsEnd(line, digits);
        if (i == digits || i == n || !isSpace(line.charAt(i))) {
            return null;
        }
        String sectors = line.substring(digits, i);
        int typeStart = skipSpace(line, i);
        i = wordEnd(line, typeStart);
        if (i == typeStart) {
            return null;
        }
        String type = line.substring(typeStart, i);
        String fileName = null;
        String offset = null;
        int quote = skipSpace(line, i);
        int close = quote > i && quote < n && line.charAt(quote) == '"' ? line.indexOf('"', quote + 1) : -1;
        if (close >= 0) {
            fileName = line.substring(quote + 1, close);
            i = close + 1;
            int number = skipSpace(line, i);
            int numberEnd = digitsEnd(line, number);
            if (number > i && numberEnd > number) {
                offset = line.substring(number, numberEnd);
                i = numberEnd;
            }
        }
        if (onlyComment(line, i)) {
            return build(access, sectors, type, fileName, offset, line, where);
        }
        // As the regular expression backtracks: a shorter type followed by a comment, e.g.
        // "RW 8 ZERO#note …". The last '#' gives the longest such type; if the comment from
        // there fails, every comment from an earlier '#' fails too.
        int hash = type.lastIndexOf('#');
        if (hash >= 1 && noLineTerminator(line, typeStart + hash)) {
            return build(access, sectors, type.substring(0, hash), null, null, line, where);
        }
        return null;
    }

    /**
     * {@code {key, value}} of a {@code key = value} line, the value without the white space around
     * it (and still quoted if it was), or null if {@code line} is not one.
     */
    static String[] keyValue(String line) {
        int n = line.length();
        int keyStart = skipSpace(line, 0);
        int i = keyStart;
        while (i < n && isKeyChar(line.charAt(i))) {
            i++;
        }
        if (i == keyStart) {
            return null;
        }
        String key = line.substring(keyStart, i);
        i = skipSpace(line, i);
        if (i == n || line.charAt(i) != '=') {
            return null;
        }
        int valueStart = skipSpace(line, i + 1);
        int valueEnd = n;
        while (valueEnd > valueStart && isSpace(line.charAt(valueEnd - 1))) {
            valueEnd--;
        }
        if (!noLineTerminator(line.substring(0, valueEnd), valueStart)) {
            return null;
        }
        return new String[] {key, line.substring(valueStart, valueEnd)};
    }

    private static ExtentLine build(String access, String sectorText, String typeText, String fileName,
            String offsetText, String line, String where) {
        long sectors;
        long offset;
        try {
            sectors = Long.parseLong(sectorText);
            offset = offsetText == null ? 0 : Long.parseLong(offsetText);
        } catch (NumberFormatException e) {
            throw new CorruptImageException("Invalid extent line in the VMDK descriptor of " + where + ": " + line);
        }
        String type = typeText.toUpperCase(Locale.ROOT);
        if (sectors <= 0 || sectors > Long.MAX_VALUE / 1024 || offset > Long.MAX_VALUE / 1024) {
            throw new CorruptImageException("Invalid extent size in the VMDK descriptor of " + where + ": " + line);
        }
        if (fileName == null && !type.equals("ZERO")) {
            throw new CorruptImageException("Extent of type " + type + " names no file in the VMDK descriptor of "
                    + where + ": " + line);
        }
        return new ExtentLine(access, sectors, type, fileName, offset);
    }

    /** Whether only white space and then, optionally, a {@code #} comment follow {@code from}. */
    private static boolean onlyComment(String line, int from) {
        int i = skipSpace(line, from);
        return i == line.length() || line.charAt(i) == '#' && noLineTerminator(line, i);
    }

    private static boolean isAccessMode(String line, int end) {
        for (String mode : ACCESS_MODES) {
            if (end == mode.length() && line.startsWith(mode)) {
                return true;
            }
        }
        return false;
    }

    /** The end of the run of non-space characters from {@code from}. */
    private static int wordEnd(String line, int from) {
        int i = from;
        while (i < line.length() && !isSpace(line.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int digitsEnd(String line, int from) {
        int i = from;
        while (i < line.length() && line.charAt(i) >= '0' && line.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    private static int skipSpace(String line, int from) {
        int i = from;
        while (i < line.length() && isSpace(line.charAt(i))) {
            i++;
        }
        return i;
    }

    /** A regular expression's {@code \s}. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }

    private static boolean isKeyChar(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.';
    }

    /** Whether a regular expression's {@code .*} matches {@code line} from {@code from} on. */
    private static boolean noLineTerminator(String line, int from) {
        for (int i = from; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                return false;
            }
        }
        return true;
    }
}
