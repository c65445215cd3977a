package dev.jimg.emulator.ahci;

import dev.jimg.emulator.ata.AtaDisk;
import dev.jimg.emulator.memory.AccessRules;
import dev.jimg.emulator.memory.Endianness;
import dev.jimg.emulator.memory.MmioOps;
import dev.jimg.emulator.pci.ControllerHost;
import java.util.List;
import java.util.function.Consumer;

/**
 * The AHCI host bus adapter's memory-mapped registers (ABAR, PCI BAR 5), as an ICH9 SATA
 * controller in AHCI mode presents them (AHCI 1.3.1, chapter 3 "HBA Memory Registers"):
 * <pre>
 *   0x00 CAP   capabilities: 64-bit DMA (31), NCQ (30), Gen1 1.5 Gb/s (23:20 = 1), AHCI only (18),
 *              32 command slots (12:8 = 31), six ports (4:0 = 5)
 *   0x04 GHC   global control: AHCI enable (31, read-only 1), interrupt enable (1), HBA reset (0)
 *   0x08 IS    interrupt status: bit n = port n has an enabled interrupt pending (write 1 to clear)
 *   0x0c PI    ports implemented: 0x3f          0x10 VS  version 1.0 (as QEMU's ich9-ahci)
 *   0x14..0x20 command completion coalescing, enclosure management: not supported, read 0
 *   0x100 + 0x80 * n   port n registers ({@link AhciPort})
 * </pre>
 * The INTx line is high while GHC.IE is set and any port has an enabled interrupt pending. IS is
 * recomputed from the ports after every change, so clearing an IS bit while its port still has
 * status pending leaves it set, as QEMU's model does.
 *
 * <p>All registers are 32 bits wide (AHCI 1.3.1, section 3: dword accesses); 8-byte accesses are
 * split into two.
 */
public final class AhciHba implements MmioOps {
    /** ICH9 has six SATA ports. */
    public static final int PORTS = 6;
    public static final long SIZE = 0x1000;
    static final long PORT_BASE = 0x100;
    static final long PORT_STRIDE = 0x80;

    static final int CAP_S64A = 1 << 31;
    static final int CAP_SNCQ = 1 << 30;
    static final int CAP_ISS_GEN1 = 1 << 20;
    static final int CAP_SAM = 1 << 18;
    static final int CAP = CAP_S64A | CAP_SNCQ | CAP_ISS_GEN1 | CAP_SAM | (AhciPort.SLOTS - 1) << 8 | (PORTS - 1);
    static final int GHC_HR = 1;
    static final int GHC_IE = 1 << 1;
    static final int GHC_AE = 1 << 31;
    static final int VERSION_1_0 = 0x0001_0000;

    private final ControllerHost host;
    private final AhciPort[] ports = new AhciPort[PORTS];
    private volatile boolean interruptsEnabled;

    /**
     * @param disks    the disk on each port, {@code null} for an empty port; at most {@link #PORTS}
     * @param host     the PCI function: DMA (commands wait while it may not master the bus), INTx,
     *                 and the tracker for commands on the block layer
     * @param warnings where the driver's protocol errors are reported
     */
    public AhciHba(List<AtaDisk> disks, ControllerHost host, Consumer<String> warnings) {
        if (disks.size() > PORTS) {
            throw new IllegalArgumentException("an ICH9 AHCI controller has " + PORTS + " ports, not " + disks.size());
        }
        this.host = host;
        for (int i = 0; i < PORTS; i++) {
            ports[i] = new AhciPort(i, i < disks.size() ? disks.get(i) : null, this, warnings);
        }
    }

    ControllerHost host() {
        return host;
    }

    AhciPort port(int n) {
        return ports[n];
    }

    @Override
    public AccessRules rules() {
        return new AccessRules(4, 8, false, 4, 4, Endianness.LITTLE);
    }

    @Override
    public long read(long offset, int size) {
        if (offset >= PORT_BASE) {
            int n = (int) ((offset - PORT_BASE) / PORT_STRIDE);
            return n < PORTS ? ports[n].read((int) ((offset - PORT_BASE) % PORT_STRIDE)) & 0xffff_ffffL : 0;
        }
        return switch ((int) offset) {
            case 0x00 -> CAP & 0xffff_ffffL;
            case 0x04 -> (GHC_AE | (interruptsEnabled ? GHC_IE : 0)) & 0xffff_ffffL;
            case 0x08 -> interruptStatus();
            case 0x0c -> (1 << PORTS) - 1;
            case 0x10 -> VERSION_1_0;
            default -> 0;
        };
    }

    @Override
    public void write(long offset, long value, int size) {
        if (offset >= PORT_BASE) {
            int n = (int) ((offset - PORT_BASE) / PORT_STRIDE);
            if (n < PORTS) {
                ports[n].write((int) ((offset - PORT_BASE) % PORT_STRIDE), (int) value);
            }
            return;
        }
        if (offset == 0x04) {
            if ((value & GHC_HR) != 0) {
                reset();
            } else {
                interruptsEnabled = (value & GHC_IE) != 0;
                updateInterrupt();
            }
        }
        // IS is recomputed from the ports; CAP, PI, VS and the unsupported registers are read-only.
    }

    /** HBA reset (GHC.HR, or a PCI reset): every port reset and its link brought up again. */
    public void reset() {
        interruptsEnabled = false;
        for (AhciPort p : ports) {
            p.hbaReset();
        }
        updateInterrupt();
    }

    private long interruptStatus() {
        long is = 0;
        for (int i = 0; i < PORTS; i++) {
            if (ports[i].interruptPending()) {
                is |= 1L << i;
            }
        }
        return is;
    }

    /**
     * Recomputes the interrupt line after a port's status or enables changed; any thread. Computing
     * and driving the level under one lock keeps a stale "high" from landing after a newer "low".
     * Ports publish their pending state without holding this lock, so port locks are always taken
     * first.
     */
    synchronized void updateInterrupt() {
        host.interrupt(interruptsEnabled && interruptStatus() != 0);
    }
}
