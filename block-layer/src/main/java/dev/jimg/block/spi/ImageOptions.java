package dev.jimg.block.spi;

import dev.jimg.block.ImageException;
import dev.jimg.block.util.Sizes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code -o} options checked against a driver's {@link OptionSpec}s: unknown keys and malformed
 * values are refused with qemu-img's messages when the options are built, so drivers only read
 * valid values.
 */
public final class ImageOptions {
    private final Map<String, OptionSpec> specs;
    private final Map<String, String> values;

    private ImageOptions(Map<String, OptionSpec> specs, Map<String, String> values) {
        this.specs = specs;
        this.values = values;
    }

    /** Validates {@code values} (key → raw string) against {@code specs}. */
    public static ImageOptions of(List<OptionSpec> specs, Map<String, String> values) {
        Map<String, OptionSpec> byName = new LinkedHashMap<>();
        for (OptionSpec spec : specs) {
            byName.put(spec.name(), spec);
        }
        Map<String, String> checked = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            OptionSpec spec = byName.get(e.getKey());
            if (spec == null) {
                throw new ImageException("Invalid parameter '" + e.getKey() + "'");
            }
            validate(spec, e.getValue());
            checked.put(e.getKey(), e.getValue());
        }
        return new ImageOptions(Collections.unmodifiableMap(byName), Collections.unmodifiableMap(checked));
    }

    public static ImageOptions empty(List<OptionSpec> specs) {
        return of(specs, Map.of());
    }

    private static void validate(OptionSpec spec, String value) {
        switch (spec.type()) {
            case SIZE -> Sizes.parseOptionSize(spec.name(), value);
            case NUMBER -> parseNumber(spec.name(), value);
            case BOOL -> parseBool(spec.name(), value);
            case ENUM -> {
                if (!spec.choices().contains(value)) {
                    throw new ImageException("Parameter '" + spec.name() + "' does not accept value '"
                            + value + "' (expected one of: " + String.join(", ", spec.choices()) + ")");
                }
            }
            case STRING -> {
                // any string
            }
        }
    }

    /** Whether the user gave {@code name} explicitly. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The explicit values, in the order given. */
    public Map<String, String> explicitValues() {
        return values;
    }

    /** The value given, else the spec's default. */
    public Optional<String> string(String name) {
        String v = values.get(name);
        if (v == null) {
            v = spec(name).defaultValue();
        }
        return Optional.ofNullable(v);
    }

    public long size(String name, long fallback) {
        Optional<String> v = string(name);
        return v.isPresent() ? Sizes.parseOptionSize(name, v.get()) : fallback;
    }

    public long number(String name, long fallback) {
        Optional<String> v = string(name);
        return v.isPresent() ? parseNumber(name, v.get()) : fallback;
    }

    public boolean bool(String name, boolean fallback) {
        Optional<String> v = string(name);
        return v.isPresent() ? parseBool(name, v.get()) : fallback;
    }

    /** A copy with {@code name} set to {@code value} (validated), e.g. {@code size} from the command line. */
    public ImageOptions with(String name, String value) {
        OptionSpec spec = spec(name);
        validate(spec, value);
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(name, value);
        return new ImageOptions(specs, Collections.unmodifiableMap(copy));
    }

    /** A copy without {@code name}. */
    public ImageOptions without(String name) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.remove(name);
        return new ImageOptions(specs, Collections.unmodifiableMap(copy));
    }

    public boolean accepts(String name) {
        return specs.containsKey(name);
    }

    private OptionSpec spec(String name) {
        OptionSpec spec = specs.get(name);
        if (spec == null) {
            throw new ImageException("Invalid parameter '" + name + "'");
        }
        return spec;
    }

    private static long parseNumber(String name, String value) {
        try {
            long n = Long.parseLong(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ImageException("Parameter '" + name + "' expects a number");
        }
    }

    private static boolean parseBool(String name, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw new ImageException("Parameter '" + name + "' expects 'on' or 'off'");
        };
    }
}
