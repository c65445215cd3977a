package dev.jimg.emulator.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.PrintStream;

/**
 * Feeds the host's input to the guest's serial port on a daemon thread, with QEMU's {@code mon:stdio}
 * escapes: Ctrl-A x quits, Ctrl-A h lists the escapes, Ctrl-A Ctrl-A sends a Ctrl-A; other escapes
 * (the monitor, break) are not available and are ignored.
 */
final class SerialConsole {
    static final int CTRL_A = 0x01;

    /** Where typed bytes go and what Ctrl-A x does. */
    interface Target {
        void send(int b) throws InterruptedException;

        void quit();
    }

    private final InputStream in;
    private final PrintStream out;
    private final Target target;
    private Thread thread;
    private volatile boolean stopped;

    SerialConsole(InputStream in, PrintStream out, Target target) {
        this.in = in;
        this.out = out;
        this.target = target;
    }

    void start() {
        thread = Thread.ofPlatform().name("jimg-serial-input").daemon(true).start(this::pump);
    }

    /** Stops feeding; a thread blocked reading the host's input is left to die with the process. */
    void stop() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void pump() {
        boolean escape = false;
        try {
            int b;
            while ((b = in.read()) >= 0) {
                if (escape) {
                    escape = false;
                    switch (b) {
                        case 'x', 'X' -> {
                            out.print("\r\njimg: terminated\r\n");
                            out.flush();
                            target.quit();
                            return;
                        }
                        case 'h', 'H', '?' -> {
                            out.print("\r\nC-a h    print this help\r\nC-a x    exit emulator\r\n"
                                    + "C-a C-a  sends C-a\r\n");
                            out.flush();
                        }
                        case CTRL_A -> target.send(CTRL_A);
                        default -> {
                            // The monitor and the other mux escapes do not exist here.
                        }
                    }
                } else if (b == CTRL_A) {
                    escape = true;
                } else {
                    target.send(b);
                }
            }
        } catch (InterruptedIOException e) {
            // stop() interrupts a blocked read: the machine is done and nobody is listening.
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!stopped) {
                out.print("\r\njimg: console input failed: " + e.getMessage() + "\r\n");
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
