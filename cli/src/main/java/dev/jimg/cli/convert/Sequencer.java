package dev.jimg.cli.convert;

/**
 * Lets workers that finished reading and compressing out of order take turns writing in order:
 * a worker holding ticket {@code n} writes only after tickets {@code 0..n-1} have written. This is
 * what keeps {@code convert -c} output identical from run to run while compression is parallel.
 */
final class Sequencer {
    private long next;
    private boolean aborted;

    /** Blocks until it is {@code ticket}'s turn; false if the conversion was aborted meanwhile. */
    synchronized boolean awaitTurn(long ticket) throws InterruptedException {
        while (next != ticket && !aborted) {
            wait();
        }
        return !aborted;
    }

    /** Passes the turn to {@code ticket + 1}. */
    synchronized void done(long ticket) {
        if (ticket != next) {
            throw new IllegalStateException("ticket " + ticket + " finished out of turn (expected " + next + ")");
        }
        next++;
        notifyAll();
    }

    synchronized void abort() {
        aborted = true;
        notifyAll();
    }
}
