package dev.jimg.cli.startup;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.security.CodeSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.zip.CRC32;
import picocli.CommandLine.Command;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IScope;
import picocli.CommandLine.Model.ITypeInfo;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * picocli's view of jimg's command classes, written at build time by {@link CommandModelWriter}
 * into the class {@link CommandModelData}, so that a run builds its command's {@link CommandSpec}
 * without reading annotations or reflecting on fields.
 *
 * <p>Why: reading the {@code @Command}/{@code @Option}/{@code @Parameters} annotations makes the
 * JDK generate a proxy class per annotation type at run time, and reflective field access spins
 * method-handle classes per field; no AOT cache can hold either, and on a quick verb they were
 * the largest part of jimg's start-up after the JVM's own. The model keeps the annotations'
 * values, and the spec is built from them by picocli's own builders, in the order picocli's
 * reflection would add them, so it parses, validates and prints help exactly as the annotated
 * class would ({@link CommandModelWriter} checks every class field by field before writing it,
 * {@code CommandModelTest} again). Fields are read and written through generated
 * {@link FieldAccess} classes.
 *
 * <p>A class is used from the model only if the model covers it; otherwise {@link #specFor}
 * returns null and the caller reads the annotations as usual. When jimg runs from a classes
 * directory rather than its jar (tests, an IDE), the model is also checked against the class
 * files it was written from (CRC-32 of each class in the hierarchy), so that a model an IDE build
 * left stale costs start-up time, never correctness. The jar is built in one Maven run, model
 * after classes, so there it is not checked.
 *
 * <p>Format: lines of tab-separated fields, each field escaped ({@code \\ \t \n \r}); an
 * annotation's attributes follow as {@code name count value...}. Records:
 * <pre>
 * defaults   ANNOTATION attributes...                  the attribute defaults of Command, Option, Parameters
 * class      COMMAND-CLASS count (CLASS crc32)...      starts a command; the classes its model came from
 * command    DECLARING-CLASS attributes...             an @Command, in picocli's order (superclass first)
 * option     DECLARING-CLASS FIELD ACCESS NUMBER NAME count AUX... attributes...
 * parameters DECLARING-CLASS FIELD ACCESS NUMBER NAME count AUX... attributes...
 * </pre>
 * ACCESS NUMBER say which generated {@link FieldAccess} reaches the field (-1: none, use
 * reflection); NAME is how picocli names the field in messages; AUX are the element types picocli
 * resolved for the field (String for a List&lt;String&gt;).
 */
public final class CommandModel {
    static final String DEFAULTS = "defaults";
    static final String CLASS = "class";
    static final String COMMAND = "command";
    static final String OPTION = "option";
    static final String PARAMETERS = "parameters";

    /** The model text; a command's records are found in it when first needed. */
    private final String text;
    /** The generated field access of each package number; null where reflection is to be used. */
    private final IntFunction<FieldAccess> access;
    /** Whether to check each command's class files against the model's CRC-32s. */
    private final boolean checkClassFiles;
    /** Type information by field type and element types: immutable, so shared between fields. */
    private final Map<String, ITypeInfo> typeInfos = new ConcurrentHashMap<>();
    /** Annotation simple name to attribute defaults, parsed on first use. */
    private Map<String, Map<String, String[]>> defaults;

    CommandModel(String text, IntFunction<FieldAccess> access, boolean checkClassFiles) {
        this.text = text;
        this.access = access;
        this.checkClassFiles = checkClassFiles;
    }

    /** The model jimg was built with, read on first use. */
    private static final class Packaged {
        static final CommandModel MODEL = load();

        private static CommandModel load() {
            String text = CommandModelData.text();
            if (text == null) {
                return null;
            }
            FieldAccess[] accesses = new FieldAccess[64];
            IntFunction<FieldAccess> access = i -> {
                if (i >= accesses.length) {
                    return CommandModelData.access(i);
                }
                if (accesses[i] == null) {
                    accesses[i] = CommandModelData.access(i);
                }
                return accesses[i];
            };
            return new CommandModel(text, access, !inJar(CommandModel.class));
        }

        private static boolean inJar(Class<?> c) {
            CodeSource source = c.getProtectionDomain().getCodeSource();
            return source != null && source.getLocation() != null && !source.getLocation().getPath().endsWith("/");
        }
    }

    /** The model jimg was built with, or null if this build has none. */
    static CommandModel packaged() {
        return Packaged.MODEL;
    }

    /**
     * The spec of {@code command} from the model jimg was built with, bound to {@code command}'s
     * fields, or null when the model does not cover its class (then build it from the annotations).
     */
    public static CommandSpec specFor(Object command, IFactory factory) {
        CommandModel model = Packaged.MODEL;
        return model == null ? null : model.build(command, factory);
    }

    /** The records of {@code commandClass}, its {@code class} record first, or null if the model has none. */
    List<String> records(String commandClass) {
        String start = "\n" + CLASS + "\t" + commandClass + "\t";
        int from = text.indexOf(start);
        if (from < 0) {
            return null;
        }
        int end = text.indexOf("\n" + CLASS + "\t", from + 1);
        return List.of(text.substring(from + 1, end < 0 ? text.length() : end).split("\n"));
    }

    /** Whether the model covers {@code commandClass} as it is loaded now. */
    boolean covers(Class<?> commandClass) {
        List<String> records = records(commandClass.getName());
        return records != null && fresh(fields(records.getFirst()));
    }

    CommandSpec build(Object command, IFactory factory) {
        List<String> records = records(command.getClass().getName());
        if (records == null || !fresh(fields(records.getFirst()))) {
            return null;
        }
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command, factory);
        IScope scope = new ModelledMember.CommandScope(command);
        boolean mixinStandardHelpOptions = false;
        for (String record : records.subList(1, records.size())) {
            String[] f = fields(record);
            switch (f[0]) {
                case COMMAND -> {
                    ModelledAnnotation c = annotation(Command.class, attributes(f, 2));
                    spec.updateCommandAttributes(c, factory);
                    mixinStandardHelpOptions |= c.mixinStandardHelpOptions();
                }
                case OPTION -> spec.addOption(OptionSpec.builder(member(f, Option.class, scope), factory).build());
                case PARAMETERS -> spec.addPositional(
                        PositionalParamSpec.builder(member(f, Parameters.class, scope), factory).build());
                default -> throw new IllegalArgumentException("command model: unknown record " + f[0]);
            }
        }
        // As picocli does: the standard help options go last, whatever the class hierarchy said.
        spec.mixinStandardHelpOptions(mixinStandardHelpOptions);
        return spec;
    }

    private Map<String, Map<String, String[]>> defaults() {
        if (defaults == null) {
            Map<String, Map<String, String[]>> d = new HashMap<>();
            int from = 0;
            while (from < text.length()) {
                int end = text.indexOf('\n', from);
                String line = text.substring(from, end < 0 ? text.length() : end);
                if (line.startsWith(CLASS + "\t")) {
                    break;
                }
                if (line.startsWith(DEFAULTS + "\t")) {
                    String[] f = fields(line);
                    d.put(f[1], attributes(f, 2));
                }
                from = end < 0 ? text.length() : end + 1;
            }
            defaults = d;
        }
        return defaults;
    }

    private ModelledAnnotation annotation(Class<? extends Annotation> type, Map<String, String[]> values) {
        Map<String, String[]> d = defaults().get(type.getSimpleName());
        if (d == null) {
            throw new IllegalStateException("command model has no defaults for @" + type.getSimpleName());
        }
        return new ModelledAnnotation(type, values, d);
    }

    /** {@code option|parameters DECLARING-CLASS FIELD ACCESS NUMBER NAME count AUX... attributes...} as a member. */
    private ModelledMember member(String[] f, Class<? extends Annotation> type, IScope scope) {
        Class<?> declaring = load(f[1]);
        Field field;
        try {
            field = declaring.getDeclaredField(f[2]);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("command model names a missing field " + f[1] + "." + f[2], e);
        }
        int accessNumber = Integer.parseInt(f[3]);
        FieldAccess fieldAccess = accessNumber < 0 ? null : access.apply(accessNumber);
        int auxCount = Integer.parseInt(f[6]);
        String[] auxNames = Arrays.copyOfRange(f, 7, 7 + auxCount);
        ModelledAnnotation annotation = annotation(type, attributes(f, 7 + auxCount));
        return new ModelledMember(field, fieldAccess, Integer.parseInt(f[4]), f[5], annotation,
                typeInfo(field.getType(), auxNames), scope);
    }

    /**
     * picocli's type information for a field of {@code type} holding {@code aux} elements. Its
     * class is not public, so an option built just for this makes it. (The one thing it lacks
     * against picocli's reflective path is the generic type's argument names, which only
     * {@code @Unmatched} members use.)
     */
    private ITypeInfo typeInfo(Class<?> type, String[] auxNames) {
        return typeInfos.computeIfAbsent(type.getName() + " " + String.join(" ", auxNames), key -> {
            Class<?>[] aux = new Class<?>[auxNames.length];
            for (int i = 0; i < aux.length; i++) {
                aux[i] = load(auxNames[i]);
            }
            return OptionSpec.builder("-t").type(type).auxiliaryTypes(aux).build().typeInfo();
        });
    }

    /** Whether every class of a {@code class} record's hierarchy is the class file the model was written from. */
    private boolean fresh(String[] classRecord) {
        if (!checkClassFiles) {
            return true;
        }
        int n = Integer.parseInt(classRecord[2]);
        for (int i = 0; i < n; i++) {
            String name = classRecord[3 + 2 * i];
            long crc = Long.parseLong(classRecord[4 + 2 * i]);
            if (crc != crc32(name)) {
                return false;
            }
        }
        return true;
    }

    /** CRC-32 of the class file of {@code className} as the class loader finds it, or -1 if it is not found. */
    static long crc32(String className) {
        String path = className.replace('.', '/') + ".class";
        try (InputStream in = CommandModel.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                return -1;
            }
            CRC32 crc = new CRC32();
            crc.update(in.readAllBytes());
            return crc.getValue();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Class<?> load(String name) {
        return switch (name) {
            case "boolean" -> boolean.class;
            case "int" -> int.class;
            case "long" -> long.class;
            case "double" -> double.class;
            case "float" -> float.class;
            case "short" -> short.class;
            case "byte" -> byte.class;
            case "char" -> char.class;
            default -> {
                try {
                    yield Class.forName(name, false, CommandModel.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException("command model names a missing class " + name, e);
                }
            }
        };
    }

    /** The attributes of a record from field {@code from} on: {@code name count value...} repeated. */
    static Map<String, String[]> attributes(String[] f, int from) {
        Map<String, String[]> attributes = new HashMap<>();
        int i = from;
        while (i < f.length) {
            int n = Integer.parseInt(f[i + 1]);
            attributes.put(f[i], Arrays.copyOfRange(f, i + 2, i + 2 + n));
            i += 2 + n;
        }
        return attributes;
    }

    /** A record's fields, unescaped. */
    static String[] fields(String record) {
        String[] f = record.split("\t", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].indexOf('\\') >= 0) {
                f[i] = unescape(f[i]);
            }
        }
        return f;
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i >= s.length()) {
                throw new IllegalArgumentException("command model: dangling escape in " + s);
            }
            char e = s.charAt(i);
            b.append(switch (e) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> throw new IllegalArgumentException("command model: bad escape \\" + e + " in " + s);
            });
        }
        return b.toString();
    }
}
