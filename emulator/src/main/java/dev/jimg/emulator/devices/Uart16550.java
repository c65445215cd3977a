package dev.jimg.emulator.devices;

import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.Endianness;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MmioOps;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A 16550A UART (National Semiconductor PC16550D data sheet, "Register Description"), byte-wide
 * registers at consecutive offsets as on QEMU's {@code virt}:
 * <pre>
 *   0 RBR (read) / THR (write) / DLL (when LCR.DLAB)   4 MCR
 *   1 IER / DLM (when LCR.DLAB)                         5 LSR
 *   2 IIR (read) / FCR (write)                          6 MSR
 *   3 LCR                                               7 SCR
 * </pre>
 * Transmission is instantaneous: a byte written to THR goes to the output at once and the
 * transmitter is empty again. Received bytes come from {@link #receive}, which blocks the feeding
 * thread while the receive FIFO (16 bytes, 1 with FIFOs off) is full, so pasted or scripted input
 * is never dropped. The receive interrupt fires as soon as one byte is there (trigger levels and
 * the character timeout are not modelled; drivers handle both the same way). The modem lines never
 * change, so the modem-status interrupt never fires.
 */
public final class Uart16550 implements MmioOps {
    public static final long SIZE = 0x100;
    /** The input clock QEMU's virt board declares. */
    public static final int CLOCK_HZ = 3_686_400;
    private static final int FIFO_SIZE = 16;

    private static final int IER_RDI = 0x01;
    private static final int IER_THRI = 0x02;
    private static final int IER_RLSI = 0x04;
    private static final int IIR_NONE = 0x01;
    private static final int IIR_THRI = 0x02;
    private static final int IIR_RDI = 0x04;
    private static final int IIR_RLSI = 0x06;
    private static final int IIR_FIFO_ENABLED = 0xc0;
    private static final int FCR_ENABLE = 0x01;
    private static final int FCR_CLEAR_RX = 0x02;
    private static final int LCR_DLAB = 0x80;
    private static final int MCR_LOOP = 0x10;
    private static final int LSR_DR = 0x01;
    private static final int LSR_OE = 0x02;
    private static final int LSR_ERRORS = 0x1e;
    private static final int LSR_THRE = 0x20;
    private static final int LSR_TEMT = 0x40;
    /** MSR when not looped back: carrier detect, data set ready, clear to send, as QEMU reports. */
    private static final int MSR_CONNECTED = 0xb0;

    private final IrqLine irq;
    private final OutputStream out;
    private final byte[] rx = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    private int ier;
    private int lcr;
    private int mcr;
    private int scr;
    private int dll = 0x0c;
    private int dlm;
    private int lsrErrors;
    private boolean fifoEnabled;
    private boolean thrInterruptPending;
    private boolean outputPending;

    public Uart16550(IrqLine irq, OutputStream out) {
        this.irq = irq;
        this.out = out;
    }

    @Override
    public AccessRules rules() {
        return new AccessRules(1, 8, false, 1, 1, Endianness.LITTLE);
    }

    @Override
    public synchronized long read(long offset, int size) {
        return switch ((int) offset) {
            case 0 -> (lcr & LCR_DLAB) != 0 ? dll : readRbr();
            case 1 -> (lcr & LCR_DLAB) != 0 ? dlm : ier;
            case 2 -> readIir();
            case 3 -> lcr;
            case 4 -> mcr;
            case 5 -> {
                int lsr = lsr();
                lsrErrors = 0;
                update();
                yield lsr;
            }
            case 6 -> msr();
            case 7 -> scr;
            default -> 0;
        };
    }

    @Override
    public synchronized void write(long offset, long value, int size) {
        int v = (int) value & 0xff;
        switch ((int) offset) {
            case 0 -> {
                if ((lcr & LCR_DLAB) != 0) {
                    dll = v;
                } else {
                    transmit(v);
                }
            }
            case 1 -> {
                if ((lcr & LCR_DLAB) != 0) {
                    dlm = v;
                } else {
                    boolean thriEnabled = (v & IER_THRI) != 0 && (ier & IER_THRI) == 0;
                    ier = v & 0x0f;
                    if (thriEnabled) {
                        thrInterruptPending = true;
                    }
                }
            }
            case 2 -> {
                boolean enable = (v & FCR_ENABLE) != 0;
                if (enable != fifoEnabled || (v & FCR_CLEAR_RX) != 0) {
                    rxHead = 0;
                    rxCount = 0;
                    notifyAll();
                }
                fifoEnabled = enable;
            }
            case 3 -> lcr = v;
            case 4 -> mcr = v & 0x1f;
            case 7 -> scr = v;
            default -> {
                // LSR and MSR are read-only.
            }
        }
        update();
    }

    private int readRbr() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rx[rxHead] & 0xff;
        rxHead = (rxHead + 1) % FIFO_SIZE;
        rxCount--;
        notifyAll();
        update();
        return b;
    }

    private int readIir() {
        int iir = identify();
        if (iir == IIR_THRI) {
            thrInterruptPending = false;
            update();
        }
        return iir | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
    }

    private int lsr() {
        return LSR_THRE | LSR_TEMT | (rxCount > 0 ? LSR_DR : 0) | lsrErrors;
    }

    private int msr() {
        if ((mcr & MCR_LOOP) == 0) {
            return MSR_CONNECTED;
        }
        int m = mcr;
        return ((m & 0x02) != 0 ? 0x10 : 0) | ((m & 0x01) != 0 ? 0x20 : 0) | ((m & 0x04) != 0 ? 0x40 : 0)
                | ((m & 0x08) != 0 ? 0x80 : 0);
    }

    /** The highest-priority interrupt condition, in IIR encoding. */
    private int identify() {
        if ((ier & IER_RLSI) != 0 && (lsrErrors & LSR_ERRORS) != 0) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && rxCount > 0) {
            return IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && thrInterruptPending) {
            return IIR_THRI;
        }
        return IIR_NONE;
    }

    private void update() {
        irq.set(identify() != IIR_NONE);
    }

    private void transmit(int b) {
        thrInterruptPending = false;
        if ((mcr & MCR_LOOP) != 0) {
            if (capacity() > rxCount) {
                rx[(rxHead + rxCount) % FIFO_SIZE] = (byte) b;
                rxCount++;
            } else {
                lsrErrors |= LSR_OE;
            }
        } else {
            try {
                out.write(b);
                outputPending = true;
                if (b == '\n') {
                    flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("serial console output failed: " + e.getMessage(), e);
            }
        }
        thrInterruptPending = true;
    }

    private int capacity() {
        return fifoEnabled ? FIFO_SIZE : 1;
    }

    /**
     * Delivers one byte from the host side, waiting while the receive FIFO is full.
     *
     * @throws InterruptedException if the feeding thread is interrupted while waiting
     */
    public synchronized void receive(int b) throws InterruptedException {
        while (rxCount >= capacity() || (mcr & MCR_LOOP) != 0) {
            wait();
        }
        rx[(rxHead + rxCount) % FIFO_SIZE] = (byte) b;
        rxCount++;
        update();
    }

    /** Pushes buffered output to the host. */
    public synchronized void flush() {
        if (!outputPending) {
            return;
        }
        outputPending = false;
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("serial console output failed: " + e.getMessage(), e);
        }
    }
}
