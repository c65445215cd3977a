package dev.jimg.emulator.usb;

import dev.jimg.emulator.devices.WorkTracker;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs tasks one after another, in submission order, on a virtual thread that exists only while
 * there is work: a device's state machine runs on it without locks, and an idle device holds no
 * thread (machines are rebuilt on every guest reboot; nothing has to shut workers down).
 */
public final class SerialWorker implements Executor {
    private final String name;
    private final Consumer<String> warnings;
    private final WorkTracker work;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    /** @param work told about every task from submission to its end: queued work is work too */
    public SerialWorker(String name, Consumer<String> warnings, WorkTracker work) {
        this.name = name;
        this.warnings = warnings;
        this.work = work;
    }

    @Override
    public void execute(Runnable task) {
        work.begin();
        synchronized (queue) {
            queue.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        Thread.ofVirtual().name(name).start(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable task;
            synchronized (queue) {
                task = queue.poll();
                if (task == null) {
                    running = false;
                    return;
                }
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                // A defect in one step must not stop the device for good; the guest sees a stuck transfer.
                warnings.accept(name + ": " + e);
            } finally {
                work.end();
            }
        }
    }
}
