package dev.jimg.emulator.launch;

import java.util.Map;

/**
 * One {@code -device} option, in QEMU's spelling:
 * <pre>
 *   -device virtio-blk-device,drive=ID        virtio-blk on the next virtio-mmio slot
 *   -device virtio-blk-pci,drive=ID           virtio-blk on the PCIe bus (alias virtio-blk), transitional
 *                                             (1af4:1001) as QEMU's default; disable-legacy=on: 1af4:1042
 *   -device ahci,id=NAME                      an ICH9 AHCI controller on the PCIe bus (alias ich9-ahci)
 *   -device ide-hd,drive=ID,bus=NAME.PORT     a SATA disk on port PORT of controller NAME; without
 *                                             bus=, the first free port of the first controller
 *   -device qemu-xhci,id=NAME                 an xHCI USB controller on the PCIe bus (alias nec-usb-xhci)
 *   -device usb-storage,drive=ID[,bus=NAME.0] a USB mass storage device on the next free connector of
 *                                             the (only) xHCI controller
 * </pre>
 *
 * @param kind  what the device is
 * @param id    the device's {@code id=}, or {@code null}
 * @param drive the {@code -drive id} it attaches, or {@code null} for a controller
 * @param bus   {@code bus=} of an {@code ide-hd}, or {@code null}
 * @param modernOnly {@code disable-legacy=on} of a {@code virtio-blk-pci}
 * @param text  the option as given, for messages
 */
record DeviceSpec(Kind kind, String id, String drive, String bus, boolean modernOnly, String text) {

    enum Kind {
        VIRTIO_BLK_MMIO,
        VIRTIO_BLK_PCI,
        AHCI,
        IDE_HD,
        XHCI,
        USB_STORAGE
    }

    static DeviceSpec parse(String value) {
        Map<String, String> kv = DriveSpec.keyValues(value, "driver");
        String driver = kv.remove("driver");
        if (driver == null) {
            throw new OptionException("-device " + value + ": no device type given");
        }
        Kind kind = switch (driver) {
            case "virtio-blk-device" -> Kind.VIRTIO_BLK_MMIO;
            case "virtio-blk-pci", "virtio-blk" -> Kind.VIRTIO_BLK_PCI;
            case "ahci", "ich9-ahci" -> Kind.AHCI;
            case "ide-hd", "ide-drive" -> Kind.IDE_HD;
            case "qemu-xhci", "nec-usb-xhci" -> Kind.XHCI;
            case "usb-storage" -> Kind.USB_STORAGE;
            default -> throw new OptionException("-device " + value + ": device type '" + driver
                    + "' is not available (virtio-blk-device, virtio-blk-pci, ahci, ide-hd, qemu-xhci, usb-storage)");
        };
        String id = kv.remove("id");
        String drive = kv.remove("drive");
        String bus = kv.remove("bus");
        boolean controller = kind == Kind.AHCI || kind == Kind.XHCI;
        if (!controller && drive == null) {
            throw new OptionException("-device " + value + ": drive= is required");
        }
        if (controller && drive != null) {
            throw new OptionException("-device " + value
                    + ": a controller takes no drive=; attach disks with -device ide-hd or usb-storage");
        }
        if (bus != null && kind != Kind.IDE_HD && kind != Kind.USB_STORAGE) {
            throw new OptionException("-device " + value + ": bus= is only available for ide-hd and usb-storage");
        }
        if (kind == Kind.XHCI) {
            // QEMU's port counts (p2, p3) are fixed at 4 + 4 here.
            for (String fixed : new String[] {"p2", "p3"}) {
                String n = kv.remove(fixed);
                if (n != null && !n.equals("4")) {
                    throw new OptionException("-device " + value + ": " + fixed + "=" + n + " is not available (4 ports)");
                }
            }
        }
        String legacy = kv.remove("disable-legacy");
        if (legacy != null && kind != Kind.VIRTIO_BLK_PCI) {
            throw new OptionException("-device " + value + ": disable-legacy= is only available for virtio-blk-pci");
        }
        boolean modernOnly = switch (legacy == null ? "auto" : legacy) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no", "auto" -> false;
            default -> throw new OptionException("-device " + value + ": disable-legacy=" + legacy
                    + " must be on, off or auto");
        };
        if (!kv.isEmpty()) {
            throw new OptionException("-device " + value + ": unknown option '" + kv.keySet().iterator().next() + "'");
        }
        return new DeviceSpec(kind, id, drive, bus, modernOnly, value);
    }
}
