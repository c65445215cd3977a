package dev.jimg.cli.startup;

import java.lang.annotation.Annotation;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * A picocli annotation ({@link Command}, {@link Option} or {@link Parameters}) as a plain object,
 * its values read from the {@link CommandModel} rather than from the class file.
 *
 * <p>Why not the real annotation: the JDK materialises every annotation through a dynamic proxy
 * class generated at run time, and the AOT cache cannot hold those; the proxies for picocli's
 * annotations were the largest single start-up cost of a jimg verb. picocli's own builders
 * ({@code OptionSpec.builder(IAnnotatedElement, IFactory)}, {@code updateCommandAttributes}) read
 * the values through the annotation interface, so they interpret them exactly as they would the
 * real ones. Values are kept as the model's strings and converted by each accessor.
 */
@SuppressWarnings({"ClassExplicitlyAnnotation", "unchecked"})
final class ModelledAnnotation implements Command, Option, Parameters {
    private final Class<? extends Annotation> type;
    /** Attribute name to value(s): the element's own values first, then the type's defaults. */
    private final Map<String, String[]> values;
    private final Map<String, String[]> defaults;

    ModelledAnnotation(Class<? extends Annotation> type, Map<String, String[]> values, Map<String, String[]> defaults) {
        this.type = type;
        this.values = values;
        this.defaults = defaults;
    }

    private String[] strings(String name) {
        String[] v = values.get(name);
        if (v == null) {
            v = defaults.get(name);
        }
        if (v == null) {
            throw new IllegalStateException("command model has no value for @" + type.getSimpleName() + "." + name);
        }
        return v.clone();
    }

    private String string(String name) {
        return strings(name)[0];
    }

    private boolean bool(String name) {
        return Boolean.parseBoolean(string(name));
    }

    private int integer(String name) {
        return Integer.parseInt(string(name));
    }

    private <T> Class<T> type(String name) {
        return (Class<T>) load(string(name));
    }

    private <T> Class<T>[] types(String name) {
        String[] names = strings(name);
        Class<T>[] classes = new Class[names.length];
        for (int i = 0; i < names.length; i++) {
            classes[i] = (Class<T>) load(names[i]);
        }
        return classes;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ModelledAnnotation.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("command model names a missing class " + name, e);
        }
    }

    @Override
    public Class<? extends Annotation> annotationType() {
        return type;
    }

    @Override
    public String toString() {
        return "@" + type.getName() + values.keySet() + " (from the command model)";
    }

    // Shared by two or three of the annotations.

    @Override
    public String[] description() {
        return strings("description");
    }

    @Override
    public boolean hidden() {
        return bool("hidden");
    }

    @Override
    public ScopeType scope() {
        return ScopeType.valueOf(string("scope"));
    }

    @Override
    public Class<? extends CommandLine.IParameterPreprocessor> preprocessor() {
        return type("preprocessor");
    }

    @Override
    public String descriptionKey() {
        return string("descriptionKey");
    }

    @Override
    public String arity() {
        return string("arity");
    }

    @Override
    public String paramLabel() {
        return string("paramLabel");
    }

    @Override
    public boolean hideParamSyntax() {
        return bool("hideParamSyntax");
    }

    @Override
    public Class<?>[] type() {
        return types("type");
    }

    @Override
    public Class<? extends CommandLine.ITypeConverter<?>>[] converter() {
        return types("converter");
    }

    @Override
    public String split() {
        return string("split");
    }

    @Override
    public String splitSynopsisLabel() {
        return string("splitSynopsisLabel");
    }

    @Override
    public String defaultValue() {
        return string("defaultValue");
    }

    @Override
    public Help.Visibility showDefaultValue() {
        return Help.Visibility.valueOf(string("showDefaultValue"));
    }

    @Override
    public Class<? extends Iterable<String>> completionCandidates() {
        return type("completionCandidates");
    }

    @Override
    public boolean interactive() {
        return bool("interactive");
    }

    @Override
    public boolean echo() {
        return bool("echo");
    }

    @Override
    public String prompt() {
        return string("prompt");
    }

    @Override
    public String mapFallbackValue() {
        return string("mapFallbackValue");
    }

    @Override
    public Class<? extends CommandLine.IParameterConsumer> parameterConsumer() {
        return type("parameterConsumer");
    }

    // @Option only.

    @Override
    public String[] names() {
        return strings("names");
    }

    @Override
    public boolean required() {
        return bool("required");
    }

    @Override
    public boolean help() {
        return bool("help");
    }

    @Override
    public boolean usageHelp() {
        return bool("usageHelp");
    }

    @Override
    public boolean versionHelp() {
        return bool("versionHelp");
    }

    @Override
    public boolean negatable() {
        return bool("negatable");
    }

    @Override
    public String fallbackValue() {
        return string("fallbackValue");
    }

    @Override
    public int order() {
        return integer("order");
    }

    // @Parameters only.

    @Override
    public String index() {
        return string("index");
    }

    // @Command only.

    @Override
    public String name() {
        return string("name");
    }

    @Override
    public String[] aliases() {
        return strings("aliases");
    }

    @Override
    public Class<?>[] subcommands() {
        return types("subcommands");
    }

    @Override
    public boolean subcommandsRepeatable() {
        return bool("subcommandsRepeatable");
    }

    @Override
    public boolean addMethodSubcommands() {
        return bool("addMethodSubcommands");
    }

    @Override
    public String separator() {
        return string("separator");
    }

    @Override
    public String[] version() {
        return strings("version");
    }

    @Override
    public Class<? extends CommandLine.IVersionProvider> versionProvider() {
        return type("versionProvider");
    }

    @Override
    public boolean mixinStandardHelpOptions() {
        return bool("mixinStandardHelpOptions");
    }

    @Override
    public boolean helpCommand() {
        return bool("helpCommand");
    }

    @Override
    public String headerHeading() {
        return string("headerHeading");
    }

    @Override
    public String[] header() {
        return strings("header");
    }

    @Override
    public String synopsisHeading() {
        return string("synopsisHeading");
    }

    @Override
    public boolean abbreviateSynopsis() {
        return bool("abbreviateSynopsis");
    }

    @Override
    public String[] customSynopsis() {
        return strings("customSynopsis");
    }

    @Override
    public String synopsisSubcommandLabel() {
        return string("synopsisSubcommandLabel");
    }

    @Override
    public String descriptionHeading() {
        return string("descriptionHeading");
    }

    @Override
    public String parameterListHeading() {
        return string("parameterListHeading");
    }

    @Override
    public String optionListHeading() {
        return string("optionListHeading");
    }

    @Override
    public boolean sortOptions() {
        return bool("sortOptions");
    }

    @Override
    public boolean sortSynopsis() {
        return bool("sortSynopsis");
    }

    @Override
    public char requiredOptionMarker() {
        return string("requiredOptionMarker").charAt(0);
    }

    @Override
    public Class<? extends CommandLine.IDefaultValueProvider> defaultValueProvider() {
        return type("defaultValueProvider");
    }

    @Override
    public boolean showDefaultValues() {
        return bool("showDefaultValues");
    }

    @Override
    public boolean showAtFileInUsageHelp() {
        return bool("showAtFileInUsageHelp");
    }

    @Override
    public boolean showEndOfOptionsDelimiterInUsageHelp() {
        return bool("showEndOfOptionsDelimiterInUsageHelp");
    }

    @Override
    public String commandListHeading() {
        return string("commandListHeading");
    }

    @Override
    public String footerHeading() {
        return string("footerHeading");
    }

    @Override
    public String[] footer() {
        return strings("footer");
    }

    @Override
    public String resourceBundle() {
        return string("resourceBundle");
    }

    @Override
    public int usageHelpWidth() {
        return integer("usageHelpWidth");
    }

    @Override
    public boolean usageHelpAutoWidth() {
        return bool("usageHelpAutoWidth");
    }

    @Override
    public String exitCodeListHeading() {
        return string("exitCodeListHeading");
    }

    @Override
    public String[] exitCodeList() {
        return strings("exitCodeList");
    }

    @Override
    public int exitCodeOnSuccess() {
        return integer("exitCodeOnSuccess");
    }

    @Override
    public int exitCodeOnUsageHelp() {
        return integer("exitCodeOnUsageHelp");
    }

    @Override
    public int exitCodeOnVersionHelp() {
        return integer("exitCodeOnVersionHelp");
    }

    @Override
    public int exitCodeOnInvalidInput() {
        return integer("exitCodeOnInvalidInput");
    }

    @Override
    public int exitCodeOnExecutionException() {
        return integer("exitCodeOnExecutionException");
    }

    @Override
    public Class<? extends CommandLine.IModelTransformer> modelTransformer() {
        return type("modelTransformer");
    }
}
