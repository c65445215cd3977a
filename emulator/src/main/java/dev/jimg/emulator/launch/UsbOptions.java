package dev.jimg.emulator.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The USB part of the command line, in QEMU's spelling: {@code -device qemu-xhci[,id=ID]} adds the
 * xHCI controller, {@code -device usb-storage,drive=ID[,bus=ID.0][,removable=on|off]} a mass storage
 * device on it. ({@code -drive …,if=usb} is the short form of both; see {@link DriveSpec#usb()}.)
 */
final class UsbOptions {
    private static final Set<String> XHCI_KEYS = Set.of("driver", "id", "p2", "p3", "addr");
    private static final Set<String> STORAGE_KEYS = Set.of("driver", "drive", "bus", "port", "id", "removable", "serial");

    private boolean controller;
    private final List<String> storageDrives = new ArrayList<>();

    /** Takes a {@code -device} value if it is a USB device; false for other devices. */
    boolean parseDevice(String value) {
        Map<String, String> kv = DriveSpec.keyValues(value, "driver");
        String driver = kv.get("driver");
        if ("qemu-xhci".equals(driver) || "nec-usb-xhci".equals(driver)) {
            unknownKeys(value, kv, XHCI_KEYS);
            if (controller) {
                throw new OptionException("-device " + value + ": only one xHCI controller is available");
            }
            controller = true;
            return true;
        }
        if ("usb-storage".equals(driver)) {
            unknownKeys(value, kv, STORAGE_KEYS);
            String drive = kv.get("drive");
            if (drive == null) {
                throw new OptionException("-device " + value + ": drive= is required");
            }
            storageDrives.add(drive);
            return true;
        }
        return false;
    }

    private static void unknownKeys(String value, Map<String, String> kv, Set<String> known) {
        for (String key : kv.keySet()) {
            if (!known.contains(key)) {
                throw new OptionException("-device " + value + ": unknown property '" + key + "'");
            }
        }
    }

    /** Whether {@code -device qemu-xhci} was given. */
    boolean controller() {
        return controller;
    }

    /** The drive ids of {@code -device usb-storage}, in order. */
    List<String> storageDrives() {
        return List.copyOf(storageDrives);
    }
}
