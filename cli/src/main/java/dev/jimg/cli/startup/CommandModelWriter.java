package dev.jimg.cli.startup;

import dev.jimg.cli.CliContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * Build step (Maven, after compiling {@code cli}): writes the {@link CommandModel} of every
 * {@code @Command} class under the classes directory into the class {@link CommandModelData}
 * there (replacing the placeholder compiled from source), and a {@link FieldAccess} class into
 * each package whose fields the model binds. A copy of the model's text goes to
 * {@code command-model.txt} beside the classes directory, for people.
 *
 * <p>Each class is checked before it is written: the spec built from its model must equal,
 * field by field ({@link SpecComparison}), the spec picocli builds from its annotations. A class
 * that uses what the model does not carry ({@code @Mixin}, {@code @ArgGroup}, annotated methods,
 * subcommands) or fails the check is left out and printed; jimg then reads its annotations at run
 * time, as before, only more slowly.
 */
public final class CommandModelWriter {
    private static final List<Class<? extends Annotation>> UNSUPPORTED_MEMBER_ANNOTATIONS =
            List.of(Mixin.class, ArgGroup.class, Unmatched.class, Spec.class, ParentCommand.class);

    private CommandModelWriter() {
    }

    /** {@code CommandModelWriter CLASSES-DIR}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: CommandModelWriter CLASSES-DIR");
        }
        Path classes = Path.of(args[0]);
        List<String> skipped = new ArrayList<>();
        Accessible accessible = new Accessible();
        String model = write(commandClasses(classes), accessible, skipped);
        FieldAccessGenerator generator = new FieldAccessGenerator(CommandModelWriter.class.getClassLoader());
        for (int i = 0; i < accessible.packages.size(); i++) {
            String pkg = accessible.packages.get(i);
            Files.write(classFile(classes, FieldAccessGenerator.accessClassName(pkg)),
                    generator.fieldAccess(pkg, accessible.fields.get(i)));
        }
        Files.write(classFile(classes, CommandModelData.class.getName()),
                generator.modelData(model, accessible.packages));
        Files.writeString(classes.resolveSibling("command-model.txt"), model, StandardCharsets.UTF_8);
        for (String s : skipped) {
            System.out.println("[jimg] command model: " + s);
        }
    }

    private static Path classFile(Path classes, String className) {
        return classes.resolve(className.replace('.', '/') + ".class");
    }

    /**
     * The fields the generated {@link FieldAccess} classes reach, by package: a field's access
     * number is its package's index, its field number its index in that package's list.
     */
    static final class Accessible {
        final List<String> packages = new ArrayList<>();
        final List<List<Field>> fields = new ArrayList<>();

        /** {@code ACCESS\tNUMBER} for {@code f}: -1 when generated code cannot reach it (private, final). */
        String number(Field f) {
            int m = f.getModifiers();
            if (Modifier.isPrivate(m) || Modifier.isFinal(m) || Modifier.isStatic(m)) {
                return "-1\t-1";
            }
            String pkg = f.getDeclaringClass().getPackageName();
            int p = packages.indexOf(pkg);
            if (p < 0) {
                p = packages.size();
                packages.add(pkg);
                fields.add(new ArrayList<>());
            }
            List<Field> list = fields.get(p);
            int n = list.indexOf(f);
            if (n < 0) {
                n = list.size();
                list.add(f);
            }
            return p + "\t" + n;
        }

        Accessible copy() {
            Accessible c = new Accessible();
            c.packages.addAll(packages);
            for (List<Field> l : fields) {
                c.fields.add(new ArrayList<>(l));
            }
            return c;
        }

        void adopt(Accessible other) {
            packages.clear();
            packages.addAll(other.packages);
            fields.clear();
            fields.addAll(other.fields);
        }
    }

    /** The concrete {@code @Command} classes under {@code classes}, by name. */
    static List<Class<?>> commandClasses(Path classes) throws IOException {
        List<Class<?>> result = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String rel = classes.relativize(p).toString();
                String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                Class<?> c;
                try {
                    c = Class.forName(name, false, CommandModelWriter.class.getClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    continue; // not loadable on its own (e.g. needs a test dependency): not a command of jimg's
                }
                boolean concrete = !c.isInterface() && !Modifier.isAbstract(c.getModifiers());
                if (concrete && c.isAnnotationPresent(Command.class)) {
                    result.add(c);
                }
            }
        }
        result.sort(Comparator.comparing(Class::getName));
        return result;
    }

    /**
     * The model text for {@code commands}: each class that passes the check; the others are
     * described in {@code skipped}.
     */
    static String write(List<Class<?>> commands, Accessible accessible, List<String> skipped) {
        StringBuilder defaults = new StringBuilder();
        for (Class<? extends Annotation> type : List.of(Command.class, Option.class, Parameters.class)) {
            defaults.append(CommandModel.DEFAULTS).append('\t').append(type.getSimpleName());
            for (Method m : attributeMethods(type)) {
                if (m.getDefaultValue() != null) { // attributes without a default are always written
                    appendAttribute(defaults, m.getName(), encode(m.getDefaultValue()));
                }
            }
            defaults.append('\n');
        }
        StringBuilder out = new StringBuilder();
        out.append("# jimg command model, written at build time by ").append(CommandModelWriter.class.getName())
                .append(" (docs/startup.md)\n").append(defaults);
        for (Class<?> command : commands) {
            try {
                // Numbered against a scratch copy, so that a class left out leaves no fields behind.
                Accessible trial = accessible.copy();
                String records = records(command, trial);
                List<String> diffs = check(command, new CommandModel(defaults + records, i -> null, false));
                if (diffs.isEmpty()) {
                    out.append(records);
                    accessible.adopt(trial);
                } else {
                    skipped.add(command.getName() + " left out, its model differs from its annotations: "
                            + String.join("; ", diffs.subList(0, Math.min(5, diffs.size()))));
                }
            } catch (UnsupportedOperationException e) {
                skipped.add(command.getName() + " left out: " + e.getMessage());
            }
        }
        return out.toString();
    }

    /** The records of one command class, its {@code class} record first. */
    static String records(Class<?> command, Accessible accessible) {
        Deque<Class<?>> hierarchy = new ArrayDeque<>();
        for (Class<?> c = command; c != null && c != Object.class; c = c.getSuperclass()) {
            hierarchy.push(c);
        }
        CommandSpec annotated = CommandSpec.forAnnotatedObject(instantiate(command), CommandLine.defaultFactory());
        StringBuilder b = new StringBuilder(CommandModel.CLASS).append('\t').append(escape(command.getName()))
                .append('\t').append(hierarchy.size());
        for (Class<?> c : hierarchy) {
            long crc = CommandModel.crc32(c.getName());
            if (crc < 0) {
                throw new UnsupportedOperationException("class file of " + c.getName() + " not found");
            }
            b.append('\t').append(escape(c.getName())).append('\t').append(crc);
        }
        b.append('\n');
        for (Class<?> c : hierarchy) {
            checkSupported(c);
            Command cmd = c.getAnnotation(Command.class);
            if (cmd != null) {
                b.append(CommandModel.COMMAND).append('\t').append(escape(c.getName()));
                appendNonDefault(b, cmd);
                b.append('\n');
            }
            for (Field f : c.getDeclaredFields()) {
                Option option = f.getAnnotation(Option.class);
                Parameters parameters = f.getAnnotation(Parameters.class);
                if (option == null && parameters == null) {
                    continue;
                }
                if (option != null && parameters != null) {
                    throw new UnsupportedOperationException(f + " is both an option and a parameter");
                }
                ArgSpec arg = argFor(annotated, f);
                b.append(option != null ? CommandModel.OPTION : CommandModel.PARAMETERS).append('\t')
                        .append(escape(c.getName())).append('\t').append(escape(f.getName()))
                        .append('\t').append(accessible.number(f)).append('\t').append(escape(arg.toString()));
                Class<?>[] aux = arg.auxiliaryTypes();
                b.append('\t').append(aux.length);
                for (Class<?> a : aux) {
                    b.append('\t').append(escape(a.getName()));
                }
                appendNonDefault(b, option != null ? option : parameters);
                b.append('\n');
            }
        }
        return b.toString();
    }

    /**
     * The model-built spec against the annotation-built one, for a fresh instance each. The
     * model's fields are reached by reflection here: the generated access classes do not exist
     * yet ({@code CommandModelTest} checks those).
     */
    static List<String> check(Class<?> command, CommandModel model) {
        CommandLine.IFactory factory = CommandLine.defaultFactory();
        CommandSpec expected = new CommandLine(instantiate(command), factory).getCommandSpec();
        CommandSpec fromModel = model.build(instantiate(command), factory);
        if (fromModel == null) {
            return List.of("the model does not cover it");
        }
        return SpecComparison.differences(expected, new CommandLine(fromModel, factory).getCommandSpec());
    }

    private static void checkSupported(Class<?> c) {
        for (Field f : c.getDeclaredFields()) {
            for (Class<? extends Annotation> a : UNSUPPORTED_MEMBER_ANNOTATIONS) {
                if (f.isAnnotationPresent(a)) {
                    throw new UnsupportedOperationException("@" + a.getSimpleName() + " on " + f.getName());
                }
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            for (Annotation a : m.getAnnotations()) {
                if (a.annotationType().getName().startsWith("picocli.")) {
                    throw new UnsupportedOperationException("@" + a.annotationType().getSimpleName() + " on method "
                            + m.getName());
                }
            }
        }
        Command cmd = c.getAnnotation(Command.class);
        if (cmd != null && cmd.subcommands().length > 0) {
            throw new UnsupportedOperationException("subcommands");
        }
    }

    private static ArgSpec argFor(CommandSpec spec, Field f) {
        for (ArgSpec a : spec.args()) {
            if (f.equals(a.userObject())) {
                return a;
            }
        }
        throw new UnsupportedOperationException("picocli made no option or parameter of " + f.getName());
    }

    /**
     * A command object to read the model from: jimg's verbs take the {@link CliContext}; a
     * throwaway one will do, as nothing runs.
     */
    static Object instantiate(Class<?> command) {
        try {
            for (Constructor<?> c : command.getDeclaredConstructors()) {
                Class<?>[] p = c.getParameterTypes();
                if (p.length == 1 && p[0] == CliContext.class) {
                    c.setAccessible(true);
                    PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
                    return c.newInstance(new CliContext(sink, sink));
                }
                if (p.length == 0) {
                    c.setAccessible(true);
                    return c.newInstance();
                }
            }
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new UnsupportedOperationException("cannot instantiate: " + e, e);
        }
        throw new UnsupportedOperationException("no constructor taking nothing or a CliContext");
    }

    private static List<Method> attributeMethods(Class<? extends Annotation> type) {
        List<Method> methods = new ArrayList<>(Arrays.asList(type.getDeclaredMethods()));
        methods.sort(Comparator.comparing(Method::getName));
        return methods;
    }

    private static void appendNonDefault(StringBuilder b, Annotation a) {
        for (Method m : attributeMethods(a.annotationType())) {
            String[] value;
            try {
                value = encode(m.invoke(a));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + m, e);
            }
            Object defaultValue = m.getDefaultValue();
            if (defaultValue == null || !Arrays.equals(value, encode(defaultValue))) {
                appendAttribute(b, m.getName(), value);
            }
        }
    }

    private static void appendAttribute(StringBuilder b, String name, String[] values) {
        b.append('\t').append(name).append('\t').append(values.length);
        for (String v : values) {
            b.append('\t').append(escape(v));
        }
    }

    /** An attribute value as the model's strings: one per element, classes and enums by name. */
    private static String[] encode(Object value) {
        if (value instanceof String[] strings) {
            return strings;
        }
        if (value instanceof Class<?>[] classes) {
            return Arrays.stream(classes).map(Class::getName).toArray(String[]::new);
        }
        if (value instanceof Class<?> c) {
            return new String[] {c.getName()};
        }
        if (value instanceof Enum<?> e) {
            return new String[] {e.name()};
        }
        if (value instanceof String || value instanceof Boolean || value instanceof Integer
                || value instanceof Character) {
            return new String[] {String.valueOf(value)};
        }
        throw new UnsupportedOperationException("attribute value of type " + value.getClass().getName());
    }

    private static String escape(String s) {
        return CommandModel.escape(s);
    }
}
