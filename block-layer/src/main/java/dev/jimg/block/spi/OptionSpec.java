package dev.jimg.block.spi;

import java.util.List;

/**
 * One {@code -o} option a driver accepts, described as {@code qemu-img create -o help} lists it.
 *
 * @param name         the key ({@code cluster_size})
 * @param type         how the value is parsed
 * @param description  the one-line help text
 * @param defaultValue the value used when absent, or {@code null} when there is none
 * @param choices      for {@link Type#ENUM}, the accepted values; empty otherwise
 */
public record OptionSpec(String name, Type type, String description, String defaultValue, List<String> choices) {

    public enum Type {
        /** A byte count with qemu's suffixes (k, M, G, T, P, E). */
        SIZE,
        /** A plain non-negative integer. */
        NUMBER,
        /** on/off (also true/false, yes/no). */
        BOOL,
        /** Any string. */
        STRING,
        /** One of {@link OptionSpec#choices()}. */
        ENUM
    }

    public OptionSpec {
        choices = List.copyOf(choices);
    }

    public static OptionSpec size(String name, String description, String defaultValue) {
        return new OptionSpec(name, Type.SIZE, description, defaultValue, List.of());
    }

    public static OptionSpec number(String name, String description, String defaultValue) {
        return new OptionSpec(name, Type.NUMBER, description, defaultValue, List.of());
    }

    public static OptionSpec bool(String name, String description, String defaultValue) {
        return new OptionSpec(name, Type.BOOL, description, defaultValue, List.of());
    }

    public static OptionSpec string(String name, String description) {
        return new OptionSpec(name, Type.STRING, description, null, List.of());
    }

    public static OptionSpec choice(String name, String description, String defaultValue, String... choices) {
        return new OptionSpec(name, Type.ENUM, description, defaultValue, List.of(choices));
    }

    /** The type name {@code -o help} prints beside the option. */
    public String typeName() {
        return switch (type) {
            case SIZE -> "size";
            case NUMBER -> "num";
            case BOOL -> "bool (on/off)";
            case STRING, ENUM -> "str";
        };
    }
}
