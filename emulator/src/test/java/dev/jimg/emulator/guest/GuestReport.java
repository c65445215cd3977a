package dev.jimg.emulator.guest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the guest's init reported on the console.
 *
 * <p>Init prints {@code JIMG-BOOT: uptime_us=<n> test=<name>} when it starts, any number of
 * {@code JIMG-RESULT: key=value ...} lines, and last either {@code JIMG-RESULT: OK} or
 * {@code JIMG-RESULT: FAIL <message>}. Lines are recognised anywhere in a console line, because
 * a kernel message may land in front of them on the same line.
 *
 * @param booted whether init started at all
 * @param uptimeMicros the guest's {@code CLOCK_BOOTTIME} when init started, or -1
 * @param status {@code "OK"}, {@code "FAIL <message>"}, or empty if init never finished
 * @param values every {@code key=value} of the boot and result lines
 * @param console the whole console output, for failure messages
 */
public record GuestReport(boolean booted, long uptimeMicros, Optional<String> status,
        Map<String, String> values, String console) {

    private static final String BOOT = "JIMG-BOOT:";
    private static final String RESULT = "JIMG-RESULT:";

    public static GuestReport parse(String console) {
        boolean booted = false;
        long uptime = -1;
        String status = null;
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : console.lines().toList()) {
            int boot = line.indexOf(BOOT);
            int result = line.indexOf(RESULT);
            if (boot >= 0) {
                booted = true;
                Map<String, String> fields = new LinkedHashMap<>();
                parseFields(line.substring(boot + BOOT.length()), fields);
                uptime = Long.parseLong(fields.getOrDefault("uptime_us", "-1"));
                values.putAll(fields);
            } else if (result >= 0) {
                String rest = line.substring(result + RESULT.length()).strip();
                if (rest.equals("OK") || rest.startsWith("FAIL")) {
                    status = rest;
                } else {
                    parseFields(rest, values);
                }
            }
        }
        return new GuestReport(booted, uptime, Optional.ofNullable(status), Map.copyOf(values), console);
    }

    /** Whether init reported success. */
    public boolean ok() {
        return status.filter("OK"::equals).isPresent();
    }

    /** A reported value; fails with the console when init did not report it. */
    public String value(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new AssertionError("the guest reported no " + key + "; console:\n" + console);
        }
        return value;
    }

    public long longValue(String key) {
        return Long.parseLong(value(key));
    }

    private static void parseFields(String text, Map<String, String> into) {
        for (String token : text.strip().split("\\s+")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                into.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
    }
}
