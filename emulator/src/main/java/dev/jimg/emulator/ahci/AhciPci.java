package dev.jimg.emulator.ahci;

import dev.jimg.emulator.ata.AtaDisk;
import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.MmioRegion;
import dev.jimg.emulator.pci.ControllerFunction;
import dev.jimg.emulator.pci.PciBar;
import dev.jimg.emulator.pci.PciConfigSpace;
import dev.jimg.emulator.pci.PciIdentity;
import java.util.List;
import java.util.function.Consumer;

/**
 * An Intel ICH9 SATA controller in AHCI mode as a PCI function (Intel I/O Controller Hub 9
 * datasheet, section 14.1 "SATA Configuration Registers"), with QEMU's {@code ich9-ahci} IDs:
 * 8086:2922 revision 2, class 01:06:01 (SATA, AHCI 1.0), subsystem 1af4:1100, INTA.
 * <pre>
 *   BAR 5 (ABAR)  4 KiB, 32-bit memory: the HBA registers ({@link AhciHba})
 *   capabilities  PCI power management (version 3, D0 only)
 *   0x90 MAP      address map: 0x40, SATA mode select = AHCI
 *   0x92 PCS      port control and status: 5:0 port enables (writable), 13:8 port present
 * </pre>
 * There is no MSI capability (the board has no MSI controller) and no index/data pair BAR; the
 * legacy IDE BARs 0-4 of a real ICH9 are absent, as in QEMU.
 */
public final class AhciPci extends ControllerFunction {
    public static final PciIdentity IDENTITY = new PciIdentity(0x8086, 0x2922, 2, 0x010601, 0x1af4, 0x1100, 1);
    static final int ABAR = 5;
    static final int MAP = 0x90;
    static final int MAP_AHCI = 0x40;
    static final int PCS = 0x92;
    private static final int CAP_POWER_MANAGEMENT = 0x01;
    private static final int PM_VERSION_3 = 0x0003;
    private static final int PM_STATE_BITS = 0x0003;

    private final AhciHba hba;

    /**
     * @param disks the disk on each port in order, {@code null} for an empty port (at most six)
     * @param work  told when commands are on the block layer
     */
    public AhciPci(List<AtaDisk> disks, WorkTracker work, Consumer<String> warnings) {
        super(IDENTITY, work);
        this.hba = new AhciHba(disks, this, warnings);
        defineBar(ABAR, PciBar.Kind.MEMORY_32, false, new MmioRegion("ahci", AhciHba.SIZE, hba));
        int pm = addCapability(CAP_POWER_MANAGEMENT, 8);
        config().setWord(pm + 2, PM_VERSION_3);
        config().setWritable(pm + 4, 2, PM_STATE_BITS);
        config().setByte(MAP, MAP_AHCI);
        int present = 0;
        for (int i = 0; i < disks.size(); i++) {
            if (disks.get(i) != null) {
                present |= 1 << i;
            }
        }
        config().setWord(PCS, present << 8);
        config().setWritable(PCS, 2, (1 << AhciHba.PORTS) - 1);
        config().setByte(PciConfigSpace.CACHE_LINE_SIZE, 0x08);
    }

    /** The HBA registers, for tests that drive the controller directly. */
    public AhciHba hba() {
        return hba;
    }

    @Override
    protected void resetDevice() {
        hba.reset();
    }
}
