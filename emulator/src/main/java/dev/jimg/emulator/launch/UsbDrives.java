package dev.jimg.emulator.launch;

import dev.jimg.emulator.machine.VirtMachine;
import dev.jimg.emulator.machine.VirtioDisk;
import dev.jimg.emulator.scsi.ScsiDisk;
import dev.jimg.emulator.usb.MassStorage;
import dev.jimg.emulator.usb.UsbDevice;
import dev.jimg.emulator.xhci.XhciController;
import dev.jimg.emulator.xhci.XhciPci;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The USB side of a machine: an xHCI controller in the first free PCI slot with a mass storage
 * device per disk, on connectors 1, 2, ... (USB 3 ports 5, 6, ...). Built afresh for every boot, as
 * the machine is; the disks' block nodes stay open across reboots.
 *
 * @param controller whether there is a controller at all
 * @param disks      the disks, in connector order
 */
record UsbDrives(boolean controller, List<VirtioDisk> disks) {
    static final UsbDrives NONE = new UsbDrives(false, List.of());

    UsbDrives {
        disks = List.copyOf(disks);
        if (disks.size() > XhciController.CONNECTORS) {
            throw new OptionException("at most " + XhciController.CONNECTORS + " USB storage devices are available, not "
                    + disks.size());
        }
    }

    /** Plugs the controller and its devices into {@code machine}'s PCIe bus. */
    void plug(VirtMachine machine, Consumer<String> warnings) {
        if (!controller) {
            return;
        }
        List<UsbDevice> devices = new ArrayList<>();
        for (VirtioDisk d : disks) {
            try {
                ScsiDisk scsi = new ScsiDisk(d.node(), "JIMG", "JIMG HARDDISK", d.serial().isEmpty() ? "1" : d.serial(),
                        d.readOnly(), false, warnings);
                devices.add(new MassStorage(scsi, d.serial(), warnings));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot attach " + d.node().filename() + ": " + e.getMessage(), e);
            }
        }
        XhciPci.Work work = new XhciPci.Work() {
            @Override
            public void begin() {
                machine.clock().beginWork();
            }

            @Override
            public void end() {
                machine.clock().endWork();
            }
        };
        XhciPci xhci = new XhciPci(devices, false, machine.clock()::nanos, work, warnings);
        machine.pcie().bus().plug(machine.pcie().bus().freeSlot(1), xhci);
    }
}
