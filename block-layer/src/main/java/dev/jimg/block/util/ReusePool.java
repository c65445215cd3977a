package dev.jimg.block.util;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

/**
 * Objects that are costly to make and can be reused one user at a time — codec contexts, whose
 * native state is megabytes allocated and cleared on creation. A {@link ThreadLocal} does not serve
 * here: the converter runs each piece of work in a virtual thread of its own, and every virtual
 * thread has its own thread-locals, so each piece made a new context and threw it away. The pool
 * holds as many objects as were ever in use at once, which the callers' own concurrency bounds.
 *
 * <p>{@code take} an object, use it, {@code give} it back (after resetting whatever state the next
 * user must not see). Most recently returned first, so that the warmest object is reused.
 */
public final class ReusePool<T> {
    private final ConcurrentLinkedDeque<T> idle = new ConcurrentLinkedDeque<>();
    private final Supplier<T> factory;

    public ReusePool(Supplier<T> factory) {
        this.factory = factory;
    }

    /** An idle object, or a new one when all are in use. */
    public T take() {
        T t = idle.pollFirst();
        return t != null ? t : factory.get();
    }

    /** Returns {@code t}, ready for the next user. */
    public void give(T t) {
        idle.offerFirst(t);
    }
}
