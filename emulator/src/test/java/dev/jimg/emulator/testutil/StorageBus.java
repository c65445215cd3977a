package dev.jimg.emulator.testutil;

import java.util.List;

/**
 * The buses a guest test can attach drive {@code disk0} to, as QEMU's {@code -device} options,
 * with the node Linux gives the disk on each.
 */
public enum StorageBus {
    VIRTIO_MMIO("/dev/vda", "-device", "virtio-blk-device,drive=disk0"),
    VIRTIO_PCI("/dev/vda", "-device", "virtio-blk-pci,drive=disk0"),
    AHCI("/dev/sda", "-device", "ahci,id=ahci0", "-device", "ide-hd,drive=disk0,bus=ahci0.0"),
    USB("/dev/sda", "-device", "qemu-xhci,id=xhci0", "-device", "usb-storage,drive=disk0,bus=xhci0.0");

    private final String node;
    private final List<String> devices;

    StorageBus(String node, String... devices) {
        this.node = node;
        this.devices = List.of(devices);
    }

    /** The guest's device node for the disk. */
    public String node() {
        return node;
    }

    /** The command-line options that put {@code disk0} on this bus. */
    public List<String> devices() {
        return devices;
    }
}
