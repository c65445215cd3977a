package dev.jimg.emulator.testutil;

/**
 * How a guest run ended.
 *
 * @param status  the exit status (0 after power-off, the guest's code after a failure)
 * @param output  everything the guest printed on the serial console
 * @param timedOut whether the run had to be stopped from outside
 */
public record RunResult(int status, String output, boolean timedOut) {
}
