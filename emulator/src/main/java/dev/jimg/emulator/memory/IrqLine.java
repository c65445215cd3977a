package dev.jimg.emulator.memory;

/**
 * A level-triggered interrupt wire from a device to an interrupt controller input (a PLIC source
 * today; a PCI INTx pin routed to one tomorrow). The device drives the level; the controller
 * decides what a level change means. Safe to call from any thread.
 */
@FunctionalInterface
public interface IrqLine {

    /** An unconnected line: driving it has no effect. */
    IrqLine NONE = level -> { };

    void set(boolean level);

    default void raise() {
        set(true);
    }

    default void lower() {
        set(false);
    }

    /** An edge for controllers that latch: raise and lower at once. */
    default void pulse() {
        set(true);
        set(false);
    }
}
