package dev.jimg.cli.startup;

/**
 * The command model jimg is built with. This source is a placeholder without a model: the build
 * step {@link CommandModelWriter} replaces its class file with one whose {@link #text()} returns
 * the model and whose {@link #access} returns the generated {@link FieldAccess} of each package.
 * A class in the jar costs nothing to read, where a resource would make the class loader open
 * and search the jar at start-up.
 */
final class CommandModelData {
    private CommandModelData() {
    }

    /** The model's text, or null when this is the placeholder. */
    static String text() {
        return null;
    }

    /** The field access of package number {@code index} of the model. */
    static FieldAccess access(int index) {
        throw new IllegalStateException("the command model was not generated (placeholder class)");
    }
}
