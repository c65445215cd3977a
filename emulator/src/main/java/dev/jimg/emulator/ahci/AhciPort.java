package dev.jimg.emulator.ahci;

import dev.jimg.emulator.ata.AtaDisk;
import dev.jimg.emulator.ata.AtaProtocol;
import dev.jimg.emulator.ata.AtaResult;
import dev.jimg.emulator.ata.TaskFile;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.BusErrorException;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * One AHCI port with its SATA link and disk (AHCI 1.3.1, section 3.3 "Port Registers" and chapter
 * 5 "Data Transfer Operation"):
 * <pre>
 *   0x00/0x04 PxCLB/U  command list (1 KiB aligned)     0x08/0x0c PxFB/U  received-FIS area (256 B)
 *   0x10 PxIS   interrupt status (write 1 to clear)     0x14 PxIE  interrupt enable
 *   0x18 PxCMD  ST (0), SUD (1) and POD (2) always 1, FRE (4), FR (14), CR (15)
 *   0x20 PxTFD  error (15:8) and status (7:0) of the last FIS    0x24 PxSIG  device signature
 *   0x28 PxSSTS DET/SPD/IPM    0x2c PxSCTL  DET 1 = COMRESET    0x30 PxSERR (write 1 to clear)
 *   0x34 PxSACT NCQ tags outstanding                             0x38 PxCI  slots issued
 * </pre>
 * A command list holds 32 command headers of 32 bytes: DW0 CFL (4:0), W (6), PRDTL (31:16);
 * DW1 PRDBC (bytes transferred); DW2/3 CTBA. The command table holds the command FIS at 0x00
 * and the PRD table ({@link PrdTable}) at 0x80.
 *
 * <h2>Execution</h2>
 * Writing PxCI (while PxCMD.ST is set) fetches the new commands on the CPU thread and runs each on
 * a virtual thread against the {@link AtaDisk}. Queued commands (READ/WRITE FPDMA QUEUED) leave
 * PxCI at once and run concurrently, up to 32; a non-queued command runs alone, as ATA requires.
 * Completions publish in the order a driver reads them: data and PRDBC, then the FIS in the FIS
 * area, then PxTFD, then PxCI or PxSACT cleared, then PxIS, then the interrupt. Queued commands
 * complete through a Set Device Bits FIS; non-queued ones through a D2H Register FIS (DMA,
 * non-data) or a PIO Setup FIS (PIO).
 *
 * <h2>Errors</h2>
 * A device error (ERR in the status) sets PxIS.TFES; a PRD table pointing outside guest memory
 * sets PxIS.HBFS, one describing fewer bytes than the command moves PxIS.OFS. After any of them
 * the port halts: nothing more completes or starts, PxCI and PxSACT keep the failed and
 * outstanding commands, until software clears PxCMD.ST (AHCI 1.3.1, section 6.2.2). A queued
 * error is described in the disk's log page 10h for the driver to read.
 *
 * <h2>Resets</h2>
 * Clearing ST, a COMRESET (PxSCTL.DET 1 then 0) and an HBA reset abandon the commands in flight:
 * their completions are dropped, and new commands wait until the abandoned ones have left the block
 * layer, so that a retried or newer write is never overtaken by an old one. PxCMD.CR stays set while
 * abandoned commands are still running. COMRESET while ST is set also clears PxCI and PxSACT (the
 * device lost those commands).
 */
final class AhciPort {
    static final int SLOTS = 32;

    static final int CLB = 0x00;
    static final int CLBU = 0x04;
    static final int FB = 0x08;
    static final int FBU = 0x0c;
    static final int IS = 0x10;
    static final int IE = 0x14;
    static final int CMD = 0x18;
    static final int TFD = 0x20;
    static final int SIG = 0x24;
    static final int SSTS = 0x28;
    static final int SCTL = 0x2c;
    static final int SERR = 0x30;
    static final int SACT = 0x34;
    static final int CI = 0x38;

    static final int IS_DHRS = 1;
    static final int IS_PSS = 1 << 1;
    static final int IS_SDBS = 1 << 3;
    static final int IS_PCS = 1 << 6;
    static final int IS_PRCS = 1 << 22;
    static final int IS_OFS = 1 << 24;
    static final int IS_HBFS = 1 << 29;
    static final int IS_TFES = 1 << 30;
    /** The PxIE bits that exist (AHCI 1.3.1, section 3.3.6). */
    static final int IE_MASK = 0xfdc0_00ff;

    static final int CMD_ST = 1;
    static final int CMD_SUD = 1 << 1;
    static final int CMD_POD = 1 << 2;
    static final int CMD_FRE = 1 << 4;
    static final int CMD_FR = 1 << 14;
    static final int CMD_CR = 1 << 15;
    /** ST, FRE, and the ATAPI/LED/link power bits software may set (24..27); the rest is read-only. */
    static final int CMD_WRITABLE = CMD_ST | CMD_FRE | 0x0f00_0000;

    /** Device present, Phy communication established, Gen1, interface active. */
    static final int SSTS_ACTIVE = 0x113;
    static final int SSTS_OFFLINE = 0x4;
    static final int SERR_DIAG_N = 1 << 16;
    static final int SERR_DIAG_X = 1 << 26;
    /** PxTFD while no device answers (AHCI 1.3.1, section 10.4.2). */
    static final int TFD_NO_DEVICE = 0x7f;
    static final int SIGNATURE_ATA = 0x0000_0101;
    static final int SIGNATURE_NONE = 0xffff_ffff;

    static final int HEADER_SIZE = 32;
    static final int HEADER_WRITE = 1 << 6;
    static final int TABLE_PRDT = 0x80;

    private final int index;
    private final AtaDisk disk;
    private final AhciHba hba;
    private final Consumer<String> warnings;

    private long clb;
    private long fb;
    private int is;
    private int ie;
    private int cmd;
    private int tfd;
    private int sig;
    private int ssts;
    private int sctl;
    private int serr;
    private int sact;
    private int ci;

    /** Non-queued slots taken from PxCI and running. */
    private int issued;
    /** Queued tags running. */
    private int queuedRunning;
    private boolean nonQueuedRunning;
    /** An error stopped command processing until ST is cleared. */
    private boolean halted;
    /** Abandoned commands are still on the block layer; new ones wait for them. */
    private boolean fence;
    private int inflight;
    /** Counts resets; a completion from an older epoch is dropped. */
    private int epoch;
    private boolean softResetAsserted;
    private volatile boolean pending;

    /** A command fetched from the command list. */
    private record Command(int slot, TaskFile tf, AtaProtocol protocol, long header, long table, int prdtl,
            int epoch) {
        int bit() {
            return 1 << slot;
        }
    }

    AhciPort(int index, AtaDisk disk, AhciHba hba, Consumer<String> warnings) {
        this.index = index;
        this.disk = disk;
        this.hba = hba;
        this.warnings = warnings;
        hbaReset();
    }

    /** Whether an enabled interrupt is pending; read by the HBA without the port's lock. */
    boolean interruptPending() {
        return pending;
    }

    // ---------------------------------------------------------------- registers

    synchronized int read(int offset) {
        return switch (offset) {
            case CLB -> (int) clb;
            case CLBU -> (int) (clb >>> 32);
            case FB -> (int) fb;
            case FBU -> (int) (fb >>> 32);
            case IS -> effectiveIs();
            case IE -> ie;
            case CMD -> cmd | ((cmd & CMD_FRE) != 0 ? CMD_FR : 0)
                    | ((cmd & CMD_ST) != 0 || inflight > 0 ? CMD_CR : 0);
            case TFD -> tfd;
            case SIG -> sig;
            case SSTS -> ssts;
            case SCTL -> sctl;
            case SERR -> serr;
            case SACT -> sact;
            case CI -> ci;
            default -> 0;
        };
    }

    synchronized void write(int offset, int v) {
        switch (offset) {
            case CLB -> clb = clb & ~0xffff_ffffL | v & 0xffff_fc00L;
            case CLBU -> clb = clb & 0xffff_ffffL | (long) v << 32;
            case FB -> fb = fb & ~0xffff_ffffL | v & 0xffff_ff00L;
            case FBU -> fb = fb & 0xffff_ffffL | (long) v << 32;
            case IS -> is &= ~v;
            case IE -> ie = v & IE_MASK;
            case CMD -> writeCommand(v);
            case SCTL -> writeSataControl(v);
            case SERR -> serr &= ~v;
            case SACT -> {
                if ((cmd & CMD_ST) != 0) {
                    sact |= v;
                }
            }
            case CI -> {
                if ((cmd & CMD_ST) != 0) {
                    ci |= v;
                    dispatch();
                }
            }
            default -> {
                // PxTFD, PxSIG and PxSSTS are read-only; notification and FIS switching are not supported.
            }
        }
        changed();
    }

    private int effectiveIs() {
        return is | ((serr & SERR_DIAG_X) != 0 ? IS_PCS : 0) | ((serr & SERR_DIAG_N) != 0 ? IS_PRCS : 0);
    }

    private void changed() {
        pending = (effectiveIs() & ie) != 0;
        hba.updateInterrupt();
    }

    private void writeCommand(int v) {
        int old = cmd;
        cmd = cmd & ~CMD_WRITABLE | v & CMD_WRITABLE;
        if ((old & CMD_ST) != 0 && (cmd & CMD_ST) == 0) {
            abandonCommands();
        } else if ((old & CMD_ST) == 0 && (cmd & CMD_ST) != 0) {
            dispatch();
        }
    }

    /** PxSCTL.DET: 1 holds the link in COMRESET, 0 lets it come up, 4 takes the Phy offline. */
    private void writeSataControl(int v) {
        int before = sctl & 0xf;
        sctl = v & 0xfff;
        int det = v & 0xf;
        if (det == 1 && before != 1) {
            abandonCommands();
            ssts = 0;
            tfd = TFD_NO_DEVICE;
            sig = SIGNATURE_NONE;
        } else if (det == 0 && before != 0) {
            linkUp();
        } else if (det == 4) {
            ssts = SSTS_OFFLINE;
        }
    }

    /** The device answers COMINIT: link established, device reset, signature FIS received. */
    private void linkUp() {
        if (disk == null) {
            ssts = 0;
            return;
        }
        disk.reset();
        ssts = SSTS_ACTIVE;
        serr |= SERR_DIAG_N | SERR_DIAG_X;
        AtaResult signature = new AtaResult(AtaResult.STATUS_READY, 0x01, AtaDisk.SIGNATURE_LBA,
                AtaDisk.SIGNATURE_COUNT, 0);
        tfd = 0x01 << 8 | AtaResult.STATUS_READY;
        sig = SIGNATURE_ATA;
        post(Fis.D2H_OFFSET, Fis.signature(signature));
    }

    /** HBA reset: registers to their defaults (the list and FIS addresses stay), then COMRESET. */
    synchronized void hbaReset() {
        abandonCommands();
        is = 0;
        ie = 0;
        cmd = CMD_SUD | CMD_POD;
        sctl = 0;
        serr = 0;
        ssts = 0;
        tfd = TFD_NO_DEVICE;
        sig = SIGNATURE_NONE;
        linkUp();
        pending = false;
    }

    /** Drops every command the port holds; those still on the block layer finish unseen. */
    private void abandonCommands() {
        ci = 0;
        sact = 0;
        issued = 0;
        queuedRunning = 0;
        nonQueuedRunning = false;
        halted = false;
        softResetAsserted = false;
        epoch++;
        fence = inflight > 0;
    }

    // ---------------------------------------------------------------- issuing commands

    /** Starts what PxCI holds, as far as the rules let it; called with the lock held. */
    private void dispatch() {
        if ((cmd & CMD_ST) == 0 || halted || fence || disk == null || !hba.host().dmaAllowed()) {
            return;
        }
        AddressSpace memory = hba.host().memory();
        while (true) {
            int todo = ci & ~issued;
            if (todo == 0) {
                return;
            }
            int slot = Integer.numberOfTrailingZeros(todo);
            Command c;
            try {
                c = fetch(memory, slot);
            } catch (BusErrorException e) {
                fail(IS_HBFS, "command " + slot + " is not in guest memory: " + e.getMessage());
                return;
            }
            if (c.tf() == null) {
                issued |= c.bit();
                completeNonQueued(c, AtaResult.aborted());
                warnings.accept("ahci: port " + index + " slot " + slot + " holds no Register H2D FIS");
                return;
            }
            if (!c.tf().commandUpdate()) {
                deviceControl(c);
                continue;
            }
            if (c.protocol().queued()) {
                if (nonQueuedRunning) {
                    return;
                }
                ci &= ~c.bit();
                queuedRunning |= c.bit();
            } else {
                if (nonQueuedRunning || queuedRunning != 0) {
                    return;
                }
                nonQueuedRunning = true;
                issued |= c.bit();
            }
            start(c);
        }
    }

    private Command fetch(AddressSpace memory, int slot) {
        long header = clb + (long) slot * HEADER_SIZE;
        int dw0 = (int) memory.read(header, 4);
        long table = memory.read(header + 8, 8) & ~0x7fL;
        byte[] fis = new byte[TaskFile.FIS_SIZE];
        memory.read(table, fis, 0, fis.length);
        TaskFile tf = TaskFile.fromFis(fis);
        AtaProtocol protocol = tf == null ? AtaProtocol.NON_DATA : disk.protocol(tf);
        return new Command(slot, tf, protocol, header, table, dw0 >>> 16, epoch);
    }

    /**
     * A device control FIS (C bit clear): SRST set then cleared is a software reset, after which the
     * device sends its signature. The HBA clears the slot once the FIS is sent.
     */
    private void deviceControl(Command c) {
        ci &= ~c.bit();
        if ((c.tf().control() & TaskFile.CONTROL_SRST) != 0) {
            softResetAsserted = true;
            tfd = AtaResult.STATUS_BSY;
        } else if (softResetAsserted) {
            softResetAsserted = false;
            disk.reset();
            tfd = 0x01 << 8 | AtaResult.STATUS_READY;
            sig = SIGNATURE_ATA;
            post(Fis.D2H_OFFSET, Fis.signature(new AtaResult(AtaResult.STATUS_READY, 0x01, AtaDisk.SIGNATURE_LBA,
                    AtaDisk.SIGNATURE_COUNT, 0)));
        }
    }

    private void start(Command c) {
        inflight++;
        hba.host().work().begin();
        Thread.ofVirtual().name("ahci-port" + index + "-slot" + c.slot()).start(() -> {
            try {
                execute(c);
            } finally {
                hba.host().work().end();
            }
        });
    }

    /** Runs on the command's own thread, without the lock. */
    private void execute(Command c) {
        AddressSpace memory = hba.host().memory();
        try {
            PrdTable prdt = PrdTable.read(memory, c.table() + TABLE_PRDT, c.prdtl());
            long needed = disk.transferLength(c.tf());
            if (needed > 0 && !prdt.mapped()) {
                fatal(c, IS_HBFS, "the PRD table of slot " + c.slot() + " points outside guest memory");
            } else if (prdt.size() < needed) {
                fatal(c, IS_OFS, "the PRD table of slot " + c.slot() + " holds " + prdt.size() + " bytes, command 0x"
                        + Integer.toHexString(c.tf().command()) + " moves " + needed);
            } else {
                complete(c, disk.execute(c.tf(), prdt));
            }
        } catch (BusErrorException e) {
            fatal(c, IS_HBFS, "DMA for slot " + c.slot() + " failed: " + e.getMessage());
        } catch (IOException e) {
            warnings.accept("ahci: port " + index + " command 0x" + Integer.toHexString(c.tf().command()) + " failed: "
                    + e.getMessage());
            complete(c, AtaResult.aborted());
        } catch (RuntimeException e) {
            // A defect here must not leave the guest waiting forever for its command.
            warnings.accept("ahci: port " + index + " command 0x" + Integer.toHexString(c.tf().command())
                    + " failed unexpectedly: " + e);
            complete(c, AtaResult.aborted());
        }
    }

    // ---------------------------------------------------------------- completion

    private synchronized void complete(Command c, AtaResult r) {
        if (!finished(c)) {
            return;
        }
        if (c.protocol().queued()) {
            completeQueued(c, r);
        } else {
            completeNonQueued(c, r);
        }
        changed();
        dispatch();
    }

    /** Bookkeeping for a command that left the block layer; whether its result still counts. */
    private boolean finished(Command c) {
        inflight--;
        if (c.epoch() != epoch) {
            if (inflight == 0 && fence) {
                fence = false;
                dispatch();
            }
            return false;
        }
        if (c.protocol().queued()) {
            queuedRunning &= ~c.bit();
        } else {
            nonQueuedRunning = false;
            issued &= ~c.bit();
        }
        return !halted;
    }

    private void completeQueued(Command c, AtaResult r) {
        if (r.failed()) {
            post(Fis.SDB_OFFSET, Fis.setDeviceBits(r.status(), r.error(), 0));
            tfd = r.error() << 8 | r.status();
            is |= IS_SDBS | IS_TFES;
            halted = true;
            return;
        }
        post(Fis.SDB_OFFSET, Fis.setDeviceBits(r.status(), 0, c.bit()));
        tfd = tfd & (AtaResult.STATUS_BSY | AtaResult.STATUS_DRQ) | r.status() & Fis.SDB_STATUS_BITS;
        sact &= ~c.bit();
        is |= IS_SDBS;
    }

    private void completeNonQueued(Command c, AtaResult r) {
        AddressSpace memory = hba.host().memory();
        try {
            memory.write(c.header() + 4, 4, r.transferred());
        } catch (BusErrorException e) {
            fail(IS_HBFS, "the command header of slot " + c.slot() + " is not in guest memory");
            return;
        }
        int device = TaskFile.DEVICE_LBA;
        if (c.protocol().pio() && !r.failed()) {
            post(Fis.PIO_SETUP_OFFSET, Fis.pioSetup(r, device, (int) r.transferred(), c.protocol().toHost()));
            is |= IS_PSS;
        } else {
            post(Fis.D2H_OFFSET, Fis.d2h(r, device));
            is |= IS_DHRS;
        }
        tfd = r.error() << 8 | r.status();
        if (r.failed()) {
            is |= IS_TFES;
            halted = true;
        } else {
            ci &= ~c.bit();
        }
    }

    /** A host-side failure of a running command: the port halts with {@code status} set. */
    private synchronized void fatal(Command c, int status, String message) {
        if (finished(c)) {
            fail(status, message);
            changed();
        }
    }

    private void fail(int status, String message) {
        warnings.accept("ahci: port " + index + ": " + message);
        is |= status;
        halted = true;
    }

    /** Writes a received FIS into the FIS area while FIS receive is enabled. */
    private void post(int offset, byte[] fis) {
        if ((cmd & CMD_FRE) == 0) {
            return;
        }
        try {
            hba.host().memory().write(fb + offset, fis, 0, fis.length);
        } catch (BusErrorException e) {
            fail(IS_HBFS, "the received-FIS area at 0x" + Long.toHexString(fb) + " is not in guest memory");
        }
    }
}
