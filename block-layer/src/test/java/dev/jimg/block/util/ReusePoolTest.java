package dev.jimg.block.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReusePoolTest {
    @Test
    void anObjectGivenBackIsTakenAgainInsteadOfMakingANewOne() {
        AtomicInteger made = new AtomicInteger();
        ReusePool<Object> pool = new ReusePool<>(() -> {
            made.incrementAndGet();
            return new Object();
        });
        Object first = pool.take();
        pool.give(first);
        assertSame(first, pool.take());
        assertEquals(1, made.get());
    }

    @Test
    void usersAtOnceGetDistinctObjects() {
        ReusePool<Object> pool = new ReusePool<>(Object::new);
        Object a = pool.take();
        Object b = pool.take();
        assertNotSame(a, b);
    }

    @Test
    void aVirtualThreadPerTaskMakesOnlyAsManyObjectsAsRunAtOnce() throws Exception {
        AtomicInteger made = new AtomicInteger();
        ReusePool<int[]> pool = new ReusePool<>(() -> {
            made.incrementAndGet();
            return new int[1];
        });
        int atOnce = 4;
        Set<int[]> seen = ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 50; round++) {
            CountDownLatch allHolding = new CountDownLatch(atOnce);
            try (ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < atOnce; t++) {
                    tasks.submit(() -> {
                        int[] held = pool.take();
                        seen.add(held);
                        allHolding.countDown();
                        allHolding.await();
                        pool.give(held);
                        return null;
                    });
                }
            }
        }
        assertEquals(atOnce, made.get());
        assertEquals(atOnce, seen.size());
    }
}
