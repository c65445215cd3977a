package dev.jimg.emulator.guest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ways a disk reaches the guest, each with the device node the guest's kernel gives it and
 * the QEMU options that attach a raw image that way on the {@code virt} machine.
 */
public enum DiskBus {
    /** virtio-blk on the board's virtio-mmio transport. */
    VIRTIO_MMIO("/dev/vda", "virtio-blk-device,drive=disk0"),
    /** virtio-blk as a PCI function behind the generic ECAM host bridge. */
    VIRTIO_PCI("/dev/vda", "virtio-blk-pci,drive=disk0"),
    /** A SATA disk on an AHCI controller (ICH9) on PCI. */
    AHCI("/dev/sda", "ahci,id=ahci0", "ide-hd,drive=disk0,bus=ahci0.0"),
    /** A USB mass-storage stick (bulk-only SCSI) on an xHCI controller on PCI. */
    USB_XHCI("/dev/sda", "qemu-xhci,id=xhci0", "usb-storage,drive=disk0,bus=xhci0.0");

    private final String guestDevice;
    private final List<String> qemuDevices;

    DiskBus(String guestDevice, String... qemuDevices) {
        this.guestDevice = guestDevice;
        this.qemuDevices = List.of(qemuDevices);
    }

    /** The whole-disk node in the guest's devtmpfs; partitions append 1, 2, ... */
    public String guestDevice() {
        return guestDevice;
    }

    /** The {@code -device} options that put drive {@code disk0} on this bus. */
    public List<String> devices() {
        List<String> args = new ArrayList<>();
        for (String device : qemuDevices) {
            args.add("-device");
            args.add(device);
        }
        return List.copyOf(args);
    }

    /** QEMU options attaching {@code image} (raw) through this bus; QEMU escapes a comma by doubling it. */
    public List<String> qemuArguments(Path image) {
        List<String> args = new ArrayList<>(List.of(
                "-drive", "if=none,id=disk0,format=raw,file=" + image.toString().replace(",", ",,")));
        args.addAll(devices());
        return List.copyOf(args);
    }
}
