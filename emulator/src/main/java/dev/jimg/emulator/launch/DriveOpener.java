package dev.jimg.emulator.launch;

import dev.jimg.block.BlockNode;
import dev.jimg.block.DiscardMode;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.emulator.ahci.AhciHba;
import dev.jimg.emulator.machine.PciStorage;
import dev.jimg.emulator.machine.VirtioDisk;
import dev.jimg.emulator.xhci.XhciController;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Opens the {@code -drive}s through the block layer and decides where each one goes:
 * <ul>
 *   <li>virtio-mmio slots: the drives named by {@code -device virtio-blk-device,drive=ID}, in the
 *       order of those options;</li>
 *   <li>the PCIe bus, slots 1, 2, … in the order of the {@code -device}s: {@code virtio-blk-pci},
 *       {@code ahci} controllers (their disks given by {@code ide-hd}); then a transitional
 *       virtio-blk-pci for each {@code if=virtio} drive, in command-line order — QEMU 7.2's
 *       {@code virt} board turns {@code if=virtio} into a {@code virtio-blk-pci} device created
 *       after the {@code -device}s; then — if there are {@code if=ahci} drives — one more AHCI
 *       controller holding those on ports 0, 1, …; a {@code qemu-xhci} controller holds the
 *       {@code usb-storage} devices and the {@code if=usb} drives (one is added after the others
 *       if only {@code if=usb} asks for it).</li>
 * </ul>
 * {@code snapshot=on} opens the image read-only under a {@link SnapshotOverlay}.
 */
final class DriveOpener {
    private DriveOpener() {
    }

    static Emulator.Drives open(LaunchOptions options, ImageOpener opener) throws IOException {
        List<BlockNode> opened = new ArrayList<>();
        try {
            List<VirtioDisk> mmio = new ArrayList<>();
            List<VirtioDisk> implicitVirtio = new ArrayList<>();
            List<VirtioDisk> implicitAhci = new ArrayList<>();
            List<VirtioDisk> usb = null;
            List<VirtioDisk> implicitUsb = new ArrayList<>();
            Map<String, VirtioDisk> unattached = new HashMap<>();
            Map<String, VirtioDisk> byId = new HashMap<>();
            for (DriveSpec d : options.drives()) {
                VirtioDisk disk = openDrive(d, opener, opened);
                if (d.id() != null && byId.put(d.id(), disk) != null) {
                    throw new OptionException("-drive " + d.file() + ": duplicate id " + d.id());
                }
                switch (d.iface()) {
                    case VIRTIO -> implicitVirtio.add(disk);
                    case AHCI -> implicitAhci.add(disk);
                    case USB -> implicitUsb.add(disk);
                    case NONE -> {
                        if (d.id() == null) {
                            throw new OptionException("-drive " + d.file() + ": if=none needs an id= for -device");
                        }
                        unattached.put(d.id(), disk);
                    }
                }
            }
            // Controllers collect their ports until every -device is read, so they are built last.
            List<Supplier<PciStorage>> pci = new ArrayList<>();
            Map<String, Map<Integer, VirtioDisk>> controllers = new LinkedHashMap<>();
            for (DeviceSpec dev : options.devices()) {
                switch (dev.kind()) {
                    case VIRTIO_BLK_MMIO -> mmio.add(take(dev, unattached, byId));
                    case VIRTIO_BLK_PCI -> {
                        PciStorage virtio = new PciStorage.VirtioBlkPci(take(dev, unattached, byId), !dev.modernOnly());
                        pci.add(() -> virtio);
                    }
                    case AHCI -> {
                        String name = dev.id() != null ? dev.id() : "ahci" + controllers.size();
                        if (controllers.containsKey(name)) {
                            throw new OptionException("-device ahci,id=" + name + ": duplicate id");
                        }
                        Map<Integer, VirtioDisk> ports = new TreeMap<>();
                        controllers.put(name, ports);
                        pci.add(() -> new PciStorage.Ahci(ports));
                    }
                    case IDE_HD -> attachToAhci(dev, take(dev, unattached, byId), controllers);
                    case XHCI -> {
                        if (usb != null) {
                            throw new OptionException("-device " + dev.text() + ": only one xHCI controller is available");
                        }
                        List<VirtioDisk> sticks = new ArrayList<>();
                        usb = sticks;
                        pci.add(() -> new PciStorage.Xhci(sticks));
                    }
                    case USB_STORAGE -> {
                        if (usb == null) {
                            throw new OptionException("-device " + dev.text()
                                    + ": no USB controller to attach to (add -device qemu-xhci first)");
                        }
                        usb.add(take(dev, unattached, byId));
                    }
                }
            }
            for (VirtioDisk disk : implicitVirtio) {
                PciStorage virtio = new PciStorage.VirtioBlkPci(disk, true);
                pci.add(() -> virtio);
            }
            if (!implicitUsb.isEmpty()) {
                if (usb == null) {
                    List<VirtioDisk> sticks = new ArrayList<>();
                    usb = sticks;
                    pci.add(() -> new PciStorage.Xhci(sticks));
                }
                usb.addAll(implicitUsb);
            }
            if (usb != null && usb.size() > XhciController.CONNECTORS) {
                throw new OptionException("the xHCI controller has " + XhciController.CONNECTORS + " connectors, "
                        + usb.size() + " USB storage devices were given");
            }
            if (!implicitAhci.isEmpty()) {
                if (implicitAhci.size() > AhciHba.PORTS) {
                    throw new OptionException("if=ahci: the AHCI controller has " + AhciHba.PORTS + " ports, "
                            + implicitAhci.size() + " drives were given");
                }
                Map<Integer, VirtioDisk> ports = new TreeMap<>();
                for (int i = 0; i < implicitAhci.size(); i++) {
                    ports.put(i, implicitAhci.get(i));
                }
                pci.add(() -> new PciStorage.Ahci(ports));
            }
            List<PciStorage> storage = new ArrayList<>();
            for (Supplier<PciStorage> s : pci) {
                storage.add(s.get());
            }
            return new Emulator.Drives(mmio, storage, opened);
        } catch (IOException | RuntimeException e) {
            for (BlockNode node : opened) {
                try {
                    node.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static VirtioDisk openDrive(DriveSpec d, ImageOpener opener, List<BlockNode> opened) throws IOException {
        OpenOptions o = OpenOptions.builder().readOnly(d.readOnly() || d.snapshot()).cache(d.cache())
                .discard(d.discard()).detectZeroes(d.detectZeroes()).build();
        BlockNode node = opener.open(d.file(), d.format(), o);
        opened.add(node);
        if (d.snapshot() && !d.readOnly()) {
            node = SnapshotOverlay.over(node);
            opened.set(opened.size() - 1, node);
        }
        String serial = d.serial() != null ? d.serial() : "";
        return new VirtioDisk(node, serial, d.readOnly(), d.discard() == DiscardMode.UNMAP);
    }

    /** The drive a device names, which must exist and be free. */
    private static VirtioDisk take(DeviceSpec dev, Map<String, VirtioDisk> unattached, Map<String, VirtioDisk> byId) {
        VirtioDisk disk = unattached.remove(dev.drive());
        if (disk == null) {
            String what = "-device " + dev.text();
            throw new OptionException(byId.containsKey(dev.drive())
                    ? what + ": drive " + dev.drive() + " is already in use"
                    : what + ": no -drive with id=" + dev.drive());
        }
        return disk;
    }

    /** {@code ide-hd}: {@code bus=NAME.PORT}, or the first free port of the first controller. */
    private static void attachToAhci(DeviceSpec dev, VirtioDisk disk, Map<String, Map<Integer, VirtioDisk>> controllers) {
        String what = "-device " + dev.text();
        if (controllers.isEmpty()) {
            throw new OptionException(what + ": no AHCI controller to attach to (add -device ahci,id=NAME first)");
        }
        if (dev.bus() == null) {
            for (Map<Integer, VirtioDisk> ports : controllers.values()) {
                for (int p = 0; p < AhciHba.PORTS; p++) {
                    if (ports.putIfAbsent(p, disk) == null) {
                        return;
                    }
                }
            }
            throw new OptionException(what + ": every AHCI port is in use");
        }
        int dot = dev.bus().lastIndexOf('.');
        Map<Integer, VirtioDisk> ports = dot < 0 ? null : controllers.get(dev.bus().substring(0, dot));
        int port;
        try {
            port = dot < 0 ? -1 : Integer.parseInt(dev.bus().substring(dot + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (ports == null || port < 0 || port >= AhciHba.PORTS) {
            throw new OptionException(what + ": no such bus (AHCI controllers: "
                    + String.join(", ", controllers.keySet()) + "; buses NAME.0 to NAME." + (AhciHba.PORTS - 1) + ")");
        }
        if (ports.putIfAbsent(port, disk) != null) {
            throw new OptionException(what + ": the port is in use");
        }
    }
}
