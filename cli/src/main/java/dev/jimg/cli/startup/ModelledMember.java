package dev.jimg.cli.startup;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.util.Collection;
import java.util.Map;
import picocli.CommandLine.Model.IAnnotatedElement;
import picocli.CommandLine.Model.IExtensible;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.IScope;
import picocli.CommandLine.Model.IScoped;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.ITypeInfo;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * An {@code @Option} or {@code @Parameters} field of a command object, as picocli's builders see
 * it: the field, its {@link ModelledAnnotation}, its type and a binding that reads and writes it
 * on the command object, through the generated {@link FieldAccess} of its package (or by
 * reflection where there is none). It answers every question the way picocli's own reflective
 * member does for a field, so the option or parameter picocli builds from it is the same; {@link
 * SpecComparison} checks that.
 */
final class ModelledMember implements IAnnotatedElement, IExtensible, IGetter, ISetter, IScoped {
    private final Field field;
    /** Reaches the field as number {@link #number}; null to use reflection. */
    private final FieldAccess access;
    private final int number;
    /** How picocli names the field in its messages, e.g. {@code field String dev.jimg...InfoCommand.format}. */
    private final String name;
    private final ModelledAnnotation annotation;
    private final ITypeInfo typeInfo;
    private final IScope scope;

    /** {@code scope} holds the command object. */
    ModelledMember(Field field, FieldAccess access, int number, String name, ModelledAnnotation annotation,
            ITypeInfo typeInfo, IScope scope) {
        this.field = field;
        this.access = access;
        this.number = number;
        this.name = name;
        if (access == null) {
            field.setAccessible(true);
        }
        this.annotation = annotation;
        this.typeInfo = typeInfo;
        this.scope = scope;
    }

    @Override
    public Object userObject() {
        return field;
    }

    @Override
    public boolean isAnnotationPresent(Class<? extends Annotation> annotationClass) {
        return annotation.annotationType() == annotationClass;
    }

    @Override
    public <T extends Annotation> T getAnnotation(Class<T> annotationClass) {
        return isAnnotationPresent(annotationClass) ? annotationClass.cast(annotation) : null;
    }

    @Override
    public String getName() {
        return field.getName();
    }

    @Override
    public String getMixinName() {
        return getName();
    }

    @Override
    public boolean isArgSpec() {
        return isOption() || isParameter();
    }

    @Override
    public boolean isOption() {
        return isAnnotationPresent(Option.class);
    }

    @Override
    public boolean isParameter() {
        return isAnnotationPresent(Parameters.class);
    }

    @Override
    public boolean isArgGroup() {
        return false;
    }

    @Override
    public boolean isMixin() {
        return false;
    }

    @Override
    public boolean isUnmatched() {
        return false;
    }

    @Override
    public boolean isSpec() {
        return false;
    }

    @Override
    public boolean isParentCommand() {
        return false;
    }

    @Override
    public boolean isMultiValue() {
        Class<?> t = field.getType();
        return t.isArray() || Collection.class.isAssignableFrom(t) || Map.class.isAssignableFrom(t);
    }

    @Override
    public boolean isInteractive() {
        return annotation.interactive();
    }

    /** A field always has a value to reset to: the one the command object was constructed with. */
    @Override
    public boolean hasInitialValue() {
        return true;
    }

    @Override
    public boolean isMethodParameter() {
        return false;
    }

    @Override
    public int getMethodParamPosition() {
        return -1;
    }

    @Override
    public IScope scope() {
        return scope;
    }

    @Override
    public IScope getScope() {
        return scope;
    }

    @Override
    public IGetter getter() {
        return this;
    }

    @Override
    public ISetter setter() {
        return this;
    }

    @Override
    public ITypeInfo getTypeInfo() {
        return typeInfo;
    }

    /** As picocli names the field in its messages (computed at build time: it takes generic type parsing). */
    @Override
    public String getToString() {
        return name;
    }

    /**
     * picocli asks its members for one extension, the state of their initial value (a
     * package-private enum). Like its own field members, this one answers "postponed": read the
     * field when the value is first needed.
     */
    @Override
    public <T> T getExtension(Class<T> cls) {
        if (cls.isEnum() && cls.getSimpleName().equals("InitialValueState")) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            T postponed = (T) Enum.valueOf((Class) cls, "POSTPONED");
            return postponed;
        }
        return null;
    }

    @Override
    public <T> T get() throws Exception {
        return read(scope.get());
    }

    @Override
    public <T> T set(T value) throws Exception {
        Object target = scope.get();
        T old = read(target);
        if (access != null) {
            access.set(target, number, value);
        } else {
            field.set(target, value);
        }
        return old;
    }

    @SuppressWarnings("unchecked")
    private <T> T read(Object target) throws IllegalAccessException {
        return (T) (access != null ? access.get(target, number) : field.get(target));
    }

    @Override
    public String toString() {
        return field.toString();
    }

    /** The command object a member's binding reads and writes. */
    record CommandScope(Object command) implements IScope {
        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) command;
        }

        @Override
        public <T> T set(T value) {
            throw new UnsupportedOperationException("the command object of a modelled spec is fixed");
        }
    }
}
