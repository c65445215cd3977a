package dev.jimg.cli.startup;

/**
 * Reads and writes the option and parameter fields of the command classes of one package, by
 * number, with plain field instructions. The build generates an implementation into each package
 * that declares modelled fields ({@link FieldAccessGenerator}); {@link CommandModel} binds picocli
 * to the fields through it.
 *
 * <p>Why not reflection: each field's first reflective access makes the JDK spin method-handle
 * classes at run time, which no AOT cache holds; picocli reads and resets every field of a
 * command before parsing, which made this a fifth of a quick verb's start-up.
 */
public interface FieldAccess {
    /** The value of field {@code field} of {@code target}, primitives boxed. */
    Object get(Object target, int field);

    /** Sets field {@code field} of {@code target}, unboxing primitives. */
    void set(Object target, int field, Object value);
}
