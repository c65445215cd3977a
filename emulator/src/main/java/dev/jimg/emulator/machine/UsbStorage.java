package dev.jimg.emulator.machine;

import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.scsi.ScsiDisk;
import dev.jimg.emulator.usb.MassStorage;
import dev.jimg.emulator.usb.UsbDevice;
import dev.jimg.emulator.xhci.XhciPci;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Builds a {@link PciStorage.Xhci}: the controller and, per disk, a USB mass storage device over a
 * SCSI disk. The SCSI identity is QEMU's {@code scsi-hd} pattern with this project's name; a disk
 * without a serial reports "1" in VPD page 80h and its string descriptor.
 */
final class UsbStorage {
    static final String VENDOR = "JIMG";
    static final String PRODUCT = "JIMG HARDDISK";

    private UsbStorage() {
    }

    static XhciPci controller(PciStorage.Xhci xhci, LongSupplier clock, WorkTracker work, Consumer<String> warnings)
            throws IOException {
        List<UsbDevice> devices = new ArrayList<>();
        for (VirtioDisk d : xhci.disks()) {
            String serial = d.serial().isEmpty() ? "1" : d.serial();
            ScsiDisk scsi = new ScsiDisk(d.node(), VENDOR, PRODUCT, serial, d.readOnly(), false, warnings);
            devices.add(new MassStorage(scsi, serial, warnings));
        }
        return new XhciPci(devices, false, clock, work, warnings);
    }
}
