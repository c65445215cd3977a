package dev.jimg.emulator.machine;

import dev.jimg.emulator.ahci.AhciHba;
import dev.jimg.emulator.xhci.XhciController;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A storage controller on the PCIe bus. The machine plugs them into slots 1, 2, … in the order
 * given, as QEMU places {@code -device}s on its root bus.
 */
public sealed interface PciStorage {

    /**
     * {@code virtio-blk-pci}: one disk behind the virtio PCI transport.
     *
     * @param transitional whether the function also has the legacy interface (1af4:1001, QEMU's
     *                     default on the root bus) rather than only the modern one (1af4:1042,
     *                     {@code disable-legacy=on})
     */
    record VirtioBlkPci(VirtioDisk disk, boolean transitional) implements PciStorage {
        public VirtioBlkPci {
            Objects.requireNonNull(disk, "disk");
        }
    }

    /**
     * An ICH9 AHCI controller ({@code ahci}/{@code ich9-ahci}) with disks on some of its six ports.
     *
     * @param ports the disk on each port, by port number
     */
    record Ahci(Map<Integer, VirtioDisk> ports) implements PciStorage {
        public Ahci {
            ports = new TreeMap<>(ports);
            for (int port : ports.keySet()) {
                if (port < 0 || port >= AhciHba.PORTS) {
                    throw new IllegalArgumentException("AHCI port " + port + " does not exist (0.."
                            + (AhciHba.PORTS - 1) + ")");
                }
            }
            ports = Collections.unmodifiableMap(ports);
        }
    }

    /**
     * A {@code qemu-xhci} USB controller with a {@code usb-storage} device per disk, on connectors
     * 1, 2, … (which are USB 3 root ports 5, 6, …).
     */
    record Xhci(List<VirtioDisk> disks) implements PciStorage {
        public Xhci {
            disks = List.copyOf(disks);
            if (disks.size() > XhciController.CONNECTORS) {
                throw new IllegalArgumentException("the xHCI controller has " + XhciController.CONNECTORS
                        + " connectors, not " + disks.size());
            }
        }
    }
}
