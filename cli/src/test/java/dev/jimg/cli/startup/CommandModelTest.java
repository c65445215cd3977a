package dev.jimg.cli.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The command model the build generated (in the classes directory the tests run from) stands in
 * for the annotations exactly: same model, same parsing, same errors, same help.
 */
class CommandModelTest {
    /** The verbs whose start-up is measured (bench/startup.sh): these must come from the model. */
    private static final Set<String> QUICK_VERBS =
            Set.of("InfoCommand", "CheckCommand", "MapCommand", "MeasureCommand");

    private static List<Class<?>> commandClasses() throws IOException, URISyntaxException {
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return CommandModelWriter.commandClasses(classes);
    }

    private static CommandModel model() {
        CommandModel m = CommandModel.packaged();
        assertNotNull(m, "the build generates the command model (CommandModelWriter, process-classes)");
        return m;
    }

    private static CommandSpec fromModel(Class<?> command) {
        CommandLine.IFactory factory = CommandLine.defaultFactory();
        CommandSpec spec = model().build(CommandModelWriter.instantiate(command), factory);
        assertNotNull(spec, command.getName() + " should be in the model");
        return new CommandLine(spec, factory).getCommandSpec();
    }

    private static CommandSpec fromAnnotations(Class<?> command) {
        return new CommandLine(CommandModelWriter.instantiate(command), CommandLine.defaultFactory()).getCommandSpec();
    }

    @Test
    void coversTheQuickVerbs() throws Exception {
        Set<String> covered = commandClasses().stream().filter(c -> model().covers(c))
                .map(Class::getSimpleName).collect(Collectors.toSet());
        assertTrue(covered.containsAll(QUICK_VERBS), "covered: " + covered);
    }

    @Test
    void buildsEveryCoveredCommandAsItsAnnotationsDo() throws Exception {
        int checked = 0;
        for (Class<?> command : commandClasses()) {
            if (model().covers(command)) {
                assertEquals(List.of(), SpecComparison.differences(fromAnnotations(command), fromModel(command)),
                        command.getName());
                checked++;
            }
        }
        assertTrue(checked >= QUICK_VERBS.size(), "compared " + checked + " commands");
    }

    @Test
    void printsTheSameHelp() throws Exception {
        for (Class<?> command : commandClasses()) {
            if (model().covers(command)) {
                CommandLine.IFactory f = CommandLine.defaultFactory();
                assertEquals(new CommandLine(fromAnnotations(command), f).getUsageMessage(),
                        new CommandLine(fromModel(command), f).getUsageMessage(), command.getName());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "InfoCommand|-f raw --output=json --backing-chain -U disk.img",
        "InfoCommand|--output json",
        "InfoCommand|--frobnicate disk.img",
        "InfoCommand|a b",
        "MapCommand|--start-offset=512 -l 4096 --output=json disk.img",
        "MeasureCommand|-O qcow2 -o cluster_size=64k --size 1G",
        "MeasureCommand|--object secret,id=s0 --image-opts x",
        "CheckCommand|-r all -q -T none disk.img",
        "CheckCommand|-r",
        "ConvertCommand|-p -O raw -S 4k -m 4 -W a.img b.img c.img",
        "CreateCommand|-f raw -o size=1M x.img 2G",
        "ResizeCommand|--shrink x.img -1G",
    })
    void parsesArgumentsAsTheAnnotatedCommandDoes(String example) throws Exception {
        String[] parts = example.split("\\|");
        Class<?> command = Class.forName("dev.jimg.cli.verbs." + parts[0]);
        String[] args = parts[1].split(" ");
        Object viaAnnotations = CommandModelWriter.instantiate(command);
        Object viaModel = CommandModelWriter.instantiate(command);
        CommandLine.IFactory f = CommandLine.defaultFactory();
        String expected = parse(new CommandLine(viaAnnotations, f), args);
        String actual = parse(new CommandLine(model().build(viaModel, f), f), args);
        assertEquals(expected, actual);
        assertEquals(fieldValues(viaAnnotations), fieldValues(viaModel));
    }

    /** What parsing said: the error message, or the matched arguments. */
    private static String parse(CommandLine cl, String[] args) {
        try {
            return "parsed " + cl.parseArgs(args).matchedArgs().stream().map(ArgSpec::paramLabel).toList();
        } catch (CommandLine.ParameterException e) {
            return "error " + e.getMessage();
        }
    }

    private static List<String> fieldValues(Object command) throws IllegalAccessException {
        List<String> values = new ArrayList<>();
        for (Class<?> c = command.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(CommandLine.Option.class)
                        || f.isAnnotationPresent(CommandLine.Parameters.class)) {
                    f.setAccessible(true);
                    values.add(f.getName() + "=" + f.get(command));
                }
            }
        }
        return values;
    }

    @Test
    void theGeneratedFieldAccessWritesAndReadsEveryField() throws Exception {
        for (Class<?> command : commandClasses()) {
            if (!model().covers(command)) {
                continue;
            }
            Object target = CommandModelWriter.instantiate(command);
            CommandSpec spec = model().build(target, CommandLine.defaultFactory());
            for (ArgSpec arg : spec.args()) {
                Field field = (Field) arg.userObject();
                Object value = sampleValue(field.getType());
                arg.setter().set(value);
                field.setAccessible(true);
                assertEquals(value, field.get(target), field.toString());
                assertEquals(value, arg.getter().get(), field.toString());
            }
        }
    }

    private static Object sampleValue(Class<?> type) {
        if (type == boolean.class || type == Boolean.class) {
            return true;
        }
        if (type == int.class || type == Integer.class) {
            return 7;
        }
        if (type == long.class || type == Long.class) {
            return 7L;
        }
        if (type == String.class) {
            return "sample";
        }
        if (type == List.class) {
            return new ArrayList<>(List.of("a"));
        }
        if (type.isEnum()) {
            return type.getEnumConstants()[0];
        }
        throw new AssertionError("add a sample value for fields of type " + type);
    }

    @Test
    void noticesAnAttributeThatDiffersFromTheAnnotations() throws Exception {
        Class<?> info = Class.forName("dev.jimg.cli.verbs.InfoCommand");
        String text = CommandModelData.text();
        String changed = text.replace("\tparamLabel\t1\tFMT", "\tparamLabel\t1\tFORMAT");
        assertNotEquals(text, changed);
        CommandModel altered = new CommandModel(changed, i -> null, false);
        CommandLine.IFactory factory = CommandLine.defaultFactory();
        CommandSpec spec = new CommandLine(altered.build(CommandModelWriter.instantiate(info), factory), factory)
                .getCommandSpec();
        List<String> differences = SpecComparison.differences(fromAnnotations(info), spec);
        assertFalse(differences.isEmpty());
        assertTrue(differences.stream().anyMatch(d -> d.contains("paramLabel") && d.contains("FORMAT")),
                differences.toString());
    }

    @Test
    void stepsAsideWhenAClassFileIsNotTheOneItWasWrittenFrom() throws Exception {
        Class<?> info = Class.forName("dev.jimg.cli.verbs.InfoCommand");
        String text = CommandModelData.text();
        String record = model().records(info.getName()).getFirst();
        String[] f = record.split("\t");
        String stale = text.replace(record, record.replace("\t" + f[f.length - 1], "\t12345"));
        CommandModel checked = new CommandModel(stale, i -> null, true);
        assertNull(checked.build(CommandModelWriter.instantiate(info), CommandLine.defaultFactory()));
        assertFalse(checked.covers(info));
        assertNotNull(new CommandModel(text, i -> null, true).build(CommandModelWriter.instantiate(info),
                CommandLine.defaultFactory()), "the unaltered model matches the class files");
    }

    @Test
    void helpThroughMainMatchesTheAnnotations() throws Exception {
        // The same help through Main (which builds from the model) as from the annotations.
        Class<?> map = Class.forName("dev.jimg.cli.verbs.MapCommand");
        StringWriter expected = new StringWriter();
        new CommandLine(CommandModelWriter.instantiate(map)).usage(new PrintWriter(expected, true));
        dev.jimg.cli.Jimg.Result r = dev.jimg.cli.Jimg.run("map", "--help");
        assertEquals(0, r.exitCode());
        assertEquals(expected.toString(), r.stdout());
    }
}
