package dev.jimg.emulator.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class UartTest {
    private static final int RBR_THR = 0;
    private static final int IER = 1;
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final AtomicBoolean irq = new AtomicBoolean();
    private final Uart16550 uart = new Uart16550(irq::set, out);

    @Test
    void transmittedBytesReachTheOutput() {
        for (byte b : "hi\n".getBytes(StandardCharsets.US_ASCII)) {
            uart.write(RBR_THR, b, 1);
        }
        uart.flush();
        assertEquals("hi\n", out.toString(StandardCharsets.US_ASCII));
        assertEquals(0x60, uart.read(LSR, 1));
    }

    @Test
    void receivedByteRaisesTheDataInterruptUntilRead() throws InterruptedException {
        uart.write(IER, 1, 1);
        assertFalse(irq.get());
        uart.receive('k');
        assertTrue(irq.get());
        assertEquals(0x04, uart.read(IIR_FCR, 1) & 0x0f);
        assertEquals(0x61, uart.read(LSR, 1));
        assertEquals('k', uart.read(RBR_THR, 1));
        assertFalse(irq.get());
        assertEquals(0x01, uart.read(IIR_FCR, 1) & 0x0f);
    }

    @Test
    void transmitterEmptyInterruptIsClearedByReadingIir() {
        uart.write(IER, 2, 1);
        assertTrue(irq.get());
        assertEquals(0x02, uart.read(IIR_FCR, 1));
        assertFalse(irq.get());
        uart.write(RBR_THR, 'x', 1);
        assertTrue(irq.get());
    }

    @Test
    void divisorLatchIsReachableWithDlab() {
        uart.write(LCR, 0x80, 1);
        uart.write(RBR_THR, 0x34, 1);
        uart.write(IER, 0x12, 1);
        assertEquals(0x34, uart.read(RBR_THR, 1));
        assertEquals(0x12, uart.read(IER, 1));
        uart.write(LCR, 0x03, 1);
        assertEquals(0, uart.read(IER, 1));
        assertEquals(0, out.size());
    }

    @Test
    void fifoReportsItselfAndHoldsSixteenBytes() throws InterruptedException {
        uart.write(IIR_FCR, 0x07, 1);
        assertEquals(0xc1, uart.read(IIR_FCR, 1));
        for (int i = 0; i < 16; i++) {
            uart.receive('a' + i);
        }
        for (int i = 0; i < 16; i++) {
            assertEquals('a' + i, uart.read(RBR_THR, 1));
        }
        assertEquals(0x60, uart.read(LSR, 1));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void senderWaitsWhileTheReceiverIsFull() throws Exception {
        uart.receive('1');
        Thread sender = Thread.ofPlatform().start(() -> {
            try {
                uart.receive('2');
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sender.join(200);
        assertTrue(sender.isAlive());
        assertEquals('1', uart.read(RBR_THR, 1));
        sender.join();
        assertEquals('2', uart.read(RBR_THR, 1));
    }

    @Test
    void loopbackReturnsTransmittedBytes() {
        uart.write(MCR, 0x10, 1);
        uart.write(RBR_THR, 'z', 1);
        assertEquals('z', uart.read(RBR_THR, 1));
        assertEquals(0, out.size());
    }
}
