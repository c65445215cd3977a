package dev.jimg.emulator.ahci;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.pci.PciTestMachine;
import java.time.Duration;

/**
 * A minimal AHCI driver for device tests, doing what Linux's {@code ahci} and libata do, one
 * register access at a time, so that tests can also do what they never do.
 */
final class AhciDriver {
    static final Duration WAIT = Duration.ofSeconds(10);
    /** Command list, FIS area, command tables and data live from here in RAM. */
    static final long CLB = PciTestMachine.RAM + 0x1_0000;
    static final long FB = PciTestMachine.RAM + 0x1_0400;
    static final long TABLES = PciTestMachine.RAM + 0x2_0000;
    static final long TABLE_STRIDE = 0x1000;
    static final long DATA = PciTestMachine.RAM + 0x10_0000;

    final PciTestMachine machine;
    final AddressSpace bus;
    final int slot;
    long abar;

    AhciDriver(PciTestMachine machine, int slot) {
        this.machine = machine;
        this.bus = machine.bus();
        this.slot = slot;
    }

    /** BARs assigned, HBA reset, interrupts on, port 0 started with FIS receive. */
    void start() throws InterruptedException {
        abar = machine.assignBars(slot)[AhciPci.ABAR];
        hba(0x04, AhciHba.GHC_HR);
        hba(0x04, AhciHba.GHC_AE | AhciHba.GHC_IE);
        startPort(0);
    }

    void startPort(int port) throws InterruptedException {
        stopEngine(port);
        write(port, AhciPort.CLB, (int) CLB);
        write(port, AhciPort.CLBU, (int) (CLB >>> 32));
        write(port, AhciPort.FB, (int) FB);
        write(port, AhciPort.FBU, (int) (FB >>> 32));
        write(port, AhciPort.SERR, read(port, AhciPort.SERR));
        write(port, AhciPort.IS, read(port, AhciPort.IS));
        write(port, AhciPort.IE, 0xfdc0_00ff);
        write(port, AhciPort.CMD, read(port, AhciPort.CMD) | AhciPort.CMD_FRE);
        write(port, AhciPort.CMD, read(port, AhciPort.CMD) | AhciPort.CMD_ST);
    }

    /** ST cleared, then wait for CR to clear, as {@code ahci_stop_engine}. */
    void stopEngine(int port) throws InterruptedException {
        write(port, AhciPort.CMD, read(port, AhciPort.CMD) & ~AhciPort.CMD_ST);
        PciTestMachine.await("PxCMD.CR to clear", WAIT, () -> (read(port, AhciPort.CMD) & AhciPort.CMD_CR) == 0);
    }

    /** COMRESET through PxSCTL.DET and wait for the link and a ready device. */
    void comreset(int port) throws InterruptedException {
        write(port, AhciPort.SCTL, 0x301);
        write(port, AhciPort.SCTL, 0x300);
        PciTestMachine.await("link up", WAIT, () -> (read(port, AhciPort.SSTS) & 0xf) == 3
                && (read(port, AhciPort.TFD) & 0x88) == 0);
    }

    long hbaRead(int offset) {
        return bus.read(abar + offset, 4);
    }

    void hba(int offset, int value) {
        bus.write(abar + offset, 4, value & 0xffff_ffffL);
    }

    int read(int port, int register) {
        return (int) bus.read(abar + 0x100 + 0x80L * port + register, 4);
    }

    void write(int port, int register, int value) {
        bus.write(abar + 0x100 + 0x80L * port + register, 4, value & 0xffff_ffffL);
    }

    /** A Register H2D FIS for {@code command} with a 48-bit LBA and 16-bit count and features. */
    static byte[] fis(int command, long lba, int count, int features) {
        byte[] f = new byte[20];
        f[0] = 0x27;
        f[1] = (byte) 0x80;
        f[2] = (byte) command;
        f[3] = (byte) features;
        f[4] = (byte) lba;
        f[5] = (byte) (lba >>> 8);
        f[6] = (byte) (lba >>> 16);
        f[7] = 0x40;
        f[8] = (byte) (lba >>> 24);
        f[9] = (byte) (lba >>> 32);
        f[10] = (byte) (lba >>> 40);
        f[11] = (byte) (features >>> 8);
        f[12] = (byte) count;
        f[13] = (byte) (count >>> 8);
        return f;
    }

    /** READ or WRITE FPDMA QUEUED of {@code sectors} at {@code lba} with tag {@code tag}. */
    static byte[] fpdma(boolean write, long lba, int sectors, int tag) {
        return fis(write ? 0x61 : 0x60, lba, tag << 3, sectors);
    }

    /**
     * Writes command header and table for {@code cmdSlot} with the given PRD entries, each
     * {address, bytes}.
     */
    void prepare(int cmdSlot, byte[] fis, boolean write, long[]... prds) {
        long table = TABLES + TABLE_STRIDE * cmdSlot;
        bus.write(table, fis, 0, fis.length);
        for (int i = 0; i < prds.length; i++) {
            long e = table + 0x80 + 16L * i;
            bus.write(e, 8, prds[i][0]);
            bus.write(e + 8, 4, 0);
            bus.write(e + 12, 4, prds[i][1] - 1);
        }
        long header = CLB + 32L * cmdSlot;
        int dw0 = 5 | (write ? AhciPort.HEADER_WRITE : 0) | prds.length << 16;
        bus.write(header, 4, dw0 & 0xffff_ffffL);
        bus.write(header + 4, 4, 0);
        bus.write(header + 8, 8, table);
    }

    /** Issues non-queued slots and waits until they leave PxCI. */
    void issueAndWait(int port, int slots) throws InterruptedException {
        write(port, AhciPort.CI, slots);
        PciTestMachine.await("PxCI to clear", WAIT, () -> (read(port, AhciPort.CI) & slots) == 0);
    }

    /** Issues queued tags (PxSACT first, then PxCI). */
    void issueQueued(int port, int tags) {
        write(port, AhciPort.SACT, tags);
        write(port, AhciPort.CI, tags);
    }

    int prdbc(int cmdSlot) {
        return (int) bus.read(CLB + 32L * cmdSlot + 4, 4);
    }

    byte[] fisArea(int offset, int length) {
        byte[] b = new byte[length];
        bus.read(FB + offset, b, 0, length);
        return b;
    }

    byte[] memory(long address, int length) {
        byte[] b = new byte[length];
        bus.read(address, b, 0, length);
        return b;
    }
}
