package dev.jimg.cli.startup;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ITypeInfo;

/**
 * Compares two picocli command models field by field, private state included: the one picocli
 * builds from a class's annotations and the one {@link CommandModel} builds from the model. Any
 * difference in what picocli will parse, validate or print shows up as a difference here.
 *
 * <p>Only what is different by construction is compared otherwise: an argument's binding (a
 * reflective field binding against a {@link ModelledMember}) by the value it reads, its type
 * information by what it answers, and objects of other libraries by class.
 */
final class SpecComparison {
    /** Fields of {@link ArgSpec} that hold the binding to the command object. */
    private static final Set<String> BINDING_FIELDS = Set.of("getter", "setter", "scope", "annotatedElement");

    private final List<String> differences = new ArrayList<>();
    private final Map<Object, Object> visited = new IdentityHashMap<>();

    private SpecComparison() {
    }

    /** The differences between {@code expected} and {@code actual}, described by path; empty if none. */
    static List<String> differences(CommandSpec expected, CommandSpec actual) {
        SpecComparison c = new SpecComparison();
        c.compare("spec", expected, actual);
        return c.differences;
    }

    private void differ(String path, Object expected, Object actual) {
        differences.add(path + ": expected " + describe(expected) + " but was " + describe(actual));
    }

    private static String describe(Object o) {
        if (o != null && o.getClass().isArray()) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < Array.getLength(o); i++) {
                b.append(i > 0 ? ", " : "").append(describe(Array.get(o, i)));
            }
            return b.append(']').toString();
        }
        return String.valueOf(o);
    }

    private void compare(String path, Object expected, Object actual) {
        if (expected == actual) {
            return;
        }
        if (expected instanceof ITypeInfo e && actual instanceof ITypeInfo a) {
            compareTypeInfo(path, e, a);
            return;
        }
        if (expected == null || actual == null || expected.getClass() != actual.getClass()) {
            differ(path, expected, actual);
            return;
        }
        Class<?> c = expected.getClass();
        if (c.isArray()) {
            compareArrays(path, expected, actual);
        } else if (expected instanceof Map<?, ?> e) {
            compareMaps(path, e, (Map<?, ?>) actual);
        } else if (expected instanceof List<?> e) {
            compareIterables(path, e, (List<?>) actual);
        } else if (expected instanceof Collection<?> e) {
            compareSets(path, e, (Collection<?>) actual);
        } else if (expected instanceof Pattern e) {
            compare(path + ".pattern", e.pattern(), ((Pattern) actual).pattern());
        } else if (c.getName().startsWith("picocli.")) {
            if (visited.put(expected, actual) == null) {
                compareFields(path, expected, actual);
            }
        } else if (overridesEquals(c)) {
            if (!expected.equals(actual)) {
                differ(path, expected, actual);
            }
        }
        // Anything else (the command objects themselves, streams) is compared by class only.
    }

    private void compareArrays(String path, Object expected, Object actual) {
        int n = Array.getLength(expected);
        if (n != Array.getLength(actual)) {
            differ(path, expected, actual);
            return;
        }
        for (int i = 0; i < n; i++) {
            compare(path + "[" + i + "]", Array.get(expected, i), Array.get(actual, i));
        }
    }

    private void compareIterables(String path, Iterable<?> expected, Iterable<?> actual) {
        Iterator<?> e = expected.iterator();
        Iterator<?> a = actual.iterator();
        int i = 0;
        while (e.hasNext() && a.hasNext()) {
            compare(path + "[" + i++ + "]", e.next(), a.next());
        }
        if (e.hasNext() || a.hasNext()) {
            differ(path + ".size", "more or fewer elements", "a different count");
        }
    }

    /** Sets of plain values compare as sets; sets of picocli objects in iteration order. */
    private void compareSets(String path, Collection<?> expected, Collection<?> actual) {
        boolean plain = expected.stream().allMatch(x -> x == null || !x.getClass().getName().startsWith("picocli."));
        if (plain) {
            if (!(expected.size() == actual.size() && expected.containsAll(actual))) {
                differ(path, expected, actual);
            }
        } else {
            compareIterables(path, expected, actual);
        }
    }

    private void compareMaps(String path, Map<?, ?> expected, Map<?, ?> actual) {
        Map<Object, Object> e = byComparableKey(expected);
        Map<Object, Object> a = byComparableKey(actual);
        if (!e.keySet().equals(a.keySet())) {
            differ(path + ".keys", e.keySet(), a.keySet());
            return;
        }
        for (Map.Entry<Object, Object> entry : e.entrySet()) {
            compare(path + "[" + entry.getKey() + "]", entry.getValue(), a.get(entry.getKey()));
        }
    }

    /** The map with its keys made comparable: a regular expression (no {@code equals}) by its pattern. */
    private static Map<Object, Object> byComparableKey(Map<?, ?> map) {
        Map<Object, Object> result = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            Object key = entry.getKey() instanceof Pattern p ? "/" + p.pattern() + "/" : entry.getKey();
            result.put(key, entry.getValue());
        }
        return result;
    }

    private void compareFields(String path, Object expected, Object actual) {
        for (Class<?> c = expected.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                Object e;
                Object a;
                try {
                    e = f.get(expected);
                    a = f.get(actual);
                } catch (IllegalAccessException ex) {
                    throw new IllegalStateException("cannot read " + f, ex);
                }
                String p = path + "." + f.getName();
                if (expected instanceof ArgSpec && BINDING_FIELDS.contains(f.getName())) {
                    if (f.getName().equals("getter")) {
                        compare(p + ".get()", read((IGetter) e), read((IGetter) a));
                    }
                } else {
                    compare(p, e, a);
                }
            }
        }
    }

    private static Object read(IGetter getter) {
        try {
            return getter.get();
        } catch (Exception e) {
            return "(getter failed: " + e + ")";
        }
    }

    /** Type information by what it answers, but for the generic argument names only @Unmatched uses. */
    private void compareTypeInfo(String path, ITypeInfo e, ITypeInfo a) {
        compare(path + ".type", e.getType(), a.getType());
        compare(path + ".auxiliaryTypes", e.getAuxiliaryTypes(), a.getAuxiliaryTypes());
        compare(path + ".className", e.getClassName(), a.getClassName());
        compare(path + ".boolean", e.isBoolean(), a.isBoolean());
        compare(path + ".multiValue", e.isMultiValue(), a.isMultiValue());
        compare(path + ".array", e.isArray(), a.isArray());
        compare(path + ".collection", e.isCollection(), a.isCollection());
        compare(path + ".map", e.isMap(), a.isMap());
        compare(path + ".optional", e.isOptional(), a.isOptional());
        compare(path + ".enum", e.isEnum(), a.isEnum());
        compare(path + ".enumConstants", e.getEnumConstantNames(), a.getEnumConstantNames());
        if (!e.isMultiValue()) {
            return; // a single value's "auxiliary" type information is itself again
        }
        List<ITypeInfo> ea = e.getAuxiliaryTypeInfos();
        List<ITypeInfo> aa = a.getAuxiliaryTypeInfos();
        if (ea.size() != aa.size()) {
            differ(path + ".auxiliaryTypeInfos.size", ea.size(), aa.size());
            return;
        }
        for (int i = 0; i < ea.size(); i++) {
            compareTypeInfo(path + ".auxiliaryTypeInfos[" + i + "]", ea.get(i), aa.get(i));
        }
    }

    private static boolean overridesEquals(Class<?> c) {
        try {
            return c.getMethod("equals", Object.class).getDeclaringClass() != Object.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
