package dev.jimg.emulator.xhci;

import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.MmioRegion;
import dev.jimg.emulator.pci.ControllerFunction;
import dev.jimg.emulator.pci.PciBar;
import dev.jimg.emulator.pci.PciIdentity;
import dev.jimg.emulator.usb.UsbDevice;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * An xHCI controller as a PCI function with QEMU's {@code qemu-xhci} identity: 1b36:000d revision
 * 1, class 0C:03:30 (USB, xHCI), subsystem 1af4:1100, INTA.
 * <pre>
 *   BAR 0     16 KiB, 64-bit memory: the controller registers ({@link XhciController})
 *   0x60 SBRN serial bus release number 30h (USB 3.0)     0x61 FLADJ frame length adjustment 20h
 * </pre>
 * There is no MSI or MSI-X capability (the board has no MSI controller), so drivers use INTx,
 * which follows interrupter 0..15's IP and IE bits and USBCMD.INTE.
 */
public final class XhciPci extends ControllerFunction implements XhciController.Host {
    public static final PciIdentity IDENTITY = new PciIdentity(0x1b36, 0x000d, 1, 0x0c0330, 0x1af4, 0x1100, 1);
    static final int SBRN = 0x60;
    static final int SBRN_USB30 = 0x30;
    static final int FLADJ = 0x61;
    static final int FLADJ_DEFAULT = 0x20;

    private final XhciController controller;
    private final LongSupplier clock;

    /**
     * @param devices    the device on each of the four connectors in order, {@code null} for none
     * @param contexts64 whether the controller uses 64-byte contexts (HCCPARAMS1.CSZ); QEMU's use 32
     * @param clock      virtual time in nanoseconds
     * @param work       told when the controller or a device has work in flight
     */
    public XhciPci(List<UsbDevice> devices, boolean contexts64, LongSupplier clock, WorkTracker work,
            Consumer<String> warnings) {
        super(IDENTITY, work);
        this.clock = clock;
        this.controller = new XhciController(devices, this, contexts64, warnings);
        defineBar(0, PciBar.Kind.MEMORY_64, false, new MmioRegion("xhci", XhciController.SIZE, controller));
        config().setByte(SBRN, SBRN_USB30);
        config().setByte(FLADJ, FLADJ_DEFAULT);
    }

    /** The controller registers, for tests that drive it directly. */
    public XhciController controller() {
        return controller;
    }

    @Override
    public long nanos() {
        return clock.getAsLong();
    }

    @Override
    protected void resetDevice() {
        controller.reset();
    }
}
