package dev.jimg.cli.startup;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_String;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Build step helper of {@link CommandModelWriter}: the class files it adds to the build — a
 * {@link FieldAccess} for each package with modelled fields, and {@link CommandModelData} holding
 * the model — made with the JDK's class-file API.
 */
final class FieldAccessGenerator {
    /** Simple name of the generated {@link FieldAccess} in each package. */
    static final String ACCESS_CLASS = "CommandModelAccess";
    /** A class file's string constant holds at most this many bytes of (modified) UTF-8. */
    private static final int MAX_CONSTANT_BYTES = 65535;

    private static final ClassDesc CD_FIELD_ACCESS = ClassDesc.of(FieldAccess.class.getName());
    private static final ClassDesc CD_ILLEGAL_ARGUMENT = ClassDesc.of(IllegalArgumentException.class.getName());
    private static final ClassDesc CD_STRING_BUILDER = ClassDesc.of(StringBuilder.class.getName());

    private final ClassFile classFile;

    /** {@code loader} sees the classes whose fields are accessed, for the generated stack maps. */
    FieldAccessGenerator(ClassLoader loader) {
        this.classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofClassLoading(loader))));
    }

    static String accessClassName(String packageName) {
        return packageName + "." + ACCESS_CLASS;
    }

    /**
     * {@code PACKAGE.CommandModelAccess}: field number {@code i} is {@code fields.get(i)}, each
     * declared in that package, neither private nor final.
     */
    byte[] fieldAccess(String packageName, List<Field> fields) {
        return classFile.build(ClassDesc.of(accessClassName(packageName)), cb -> {
            cb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            cb.withInterfaceSymbols(CD_FIELD_ACCESS);
            cb.withMethodBody("<init>", MethodTypeDesc.of(CD_void), ClassFile.ACC_PUBLIC,
                    code -> code.aload(0).invokespecial(CD_Object, "<init>", MethodTypeDesc.of(CD_void)).return_());
            cb.withMethodBody("get", MethodTypeDesc.of(CD_Object, CD_Object, CD_int), ClassFile.ACC_PUBLIC,
                    code -> switchOn(code, 2, fields.size(), i -> {
                        Field f = fields.get(i);
                        ClassDesc owner = desc(f.getDeclaringClass());
                        code.aload(1).checkcast(owner).getfield(owner, f.getName(), desc(f.getType()));
                        box(code, f.getType());
                        code.areturn();
                    }));
            cb.withMethodBody("set", MethodTypeDesc.of(CD_void, CD_Object, CD_int, CD_Object), ClassFile.ACC_PUBLIC,
                    code -> switchOn(code, 2, fields.size(), i -> {
                        Field f = fields.get(i);
                        ClassDesc owner = desc(f.getDeclaringClass());
                        code.aload(1).checkcast(owner).aload(3);
                        unbox(code, f.getType());
                        code.putfield(owner, f.getName(), desc(f.getType())).return_();
                    }));
        });
    }

    /**
     * {@code CommandModelData} with {@link CommandModelData#text()} returning {@code text} and
     * {@link CommandModelData#access(int)} an instance of the access class of {@code packages.get(i)}.
     */
    byte[] modelData(String text, List<String> packages) {
        return classFile.build(ClassDesc.of(CommandModelData.class.getName()), cb -> {
            cb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            cb.withMethodBody("<init>", MethodTypeDesc.of(CD_void), ClassFile.ACC_PRIVATE,
                    code -> code.aload(0).invokespecial(CD_Object, "<init>", MethodTypeDesc.of(CD_void)).return_());
            cb.withMethodBody("text", MethodTypeDesc.of(CD_String), ClassFile.ACC_STATIC, code -> {
                List<String> chunks = chunks(text);
                if (chunks.size() <= 1) {
                    code.ldc(chunks.isEmpty() ? "" : chunks.getFirst()).areturn();
                    return;
                }
                code.new_(CD_STRING_BUILDER).dup()
                        .invokespecial(CD_STRING_BUILDER, "<init>", MethodTypeDesc.of(CD_void));
                for (String chunk : chunks) {
                    code.ldc(chunk).invokevirtual(CD_STRING_BUILDER, "append",
                            MethodTypeDesc.of(CD_STRING_BUILDER, CD_String));
                }
                code.invokevirtual(CD_STRING_BUILDER, "toString", MethodTypeDesc.of(CD_String)).areturn();
            });
            cb.withMethodBody("access", MethodTypeDesc.of(CD_FIELD_ACCESS, CD_int), ClassFile.ACC_STATIC,
                    code -> switchOn(code, 0, packages.size(), i -> {
                        ClassDesc access = ClassDesc.of(accessClassName(packages.get(i)));
                        code.new_(access).dup().invokespecial(access, "<init>", MethodTypeDesc.of(CD_void)).areturn();
                    }));
        });
    }

    /** {@code text} cut into pieces that each fit a string constant. */
    static List<String> chunks(String text) {
        List<String> chunks = new ArrayList<>();
        int start = 0;
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int n = c >= 1 && c <= 0x7f ? 1 : c <= 0x7ff ? 2 : 3; // modified UTF-8: NUL takes two
            if (bytes + n > MAX_CONSTANT_BYTES) {
                chunks.add(text.substring(start, i));
                start = i;
                bytes = 0;
            }
            bytes += n;
        }
        if (start < text.length()) {
            chunks.add(text.substring(start));
        }
        return chunks;
    }

    /** {@code switch (local slot) { case 0..n-1: body(i) }}, anything else an IllegalArgumentException. */
    private static void switchOn(CodeBuilder code, int slot, int n, IntConsumer body) {
        Label otherwise = code.newLabel();
        if (n > 0) {
            List<Label> labels = new ArrayList<>();
            List<SwitchCase> cases = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Label l = code.newLabel();
                labels.add(l);
                cases.add(SwitchCase.of(i, l));
            }
            code.iload(slot).tableswitch(0, n - 1, otherwise, cases);
            for (int i = 0; i < n; i++) {
                code.labelBinding(labels.get(i));
                body.accept(i);
            }
        }
        code.labelBinding(otherwise);
        code.new_(CD_ILLEGAL_ARGUMENT).dup().ldc("no such number in the command model")
                .invokespecial(CD_ILLEGAL_ARGUMENT, "<init>", MethodTypeDesc.of(CD_void, CD_String)).athrow();
    }

    private static void box(CodeBuilder code, Class<?> type) {
        if (type.isPrimitive()) {
            ClassDesc wrapper = desc(wrapper(type));
            code.invokestatic(wrapper, "valueOf", MethodTypeDesc.of(wrapper, desc(type)));
        }
    }

    private static void unbox(CodeBuilder code, Class<?> type) {
        if (type.isPrimitive()) {
            ClassDesc wrapper = desc(wrapper(type));
            code.checkcast(wrapper).invokevirtual(wrapper, type.getName() + "Value", MethodTypeDesc.of(desc(type)));
        } else if (type != Object.class) {
            code.checkcast(desc(type));
        }
    }

    private static Class<?> wrapper(Class<?> primitive) {
        return switch (primitive.getName()) {
            case "boolean" -> Boolean.class;
            case "byte" -> Byte.class;
            case "char" -> Character.class;
            case "short" -> Short.class;
            case "int" -> Integer.class;
            case "long" -> Long.class;
            case "float" -> Float.class;
            case "double" -> Double.class;
            default -> throw new IllegalArgumentException("not a value primitive: " + primitive);
        };
    }

    private static ClassDesc desc(Class<?> c) {
        return c.describeConstable().orElseThrow(() -> new IllegalArgumentException("no descriptor for " + c));
    }
}
