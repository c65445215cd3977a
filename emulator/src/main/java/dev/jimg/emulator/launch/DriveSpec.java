package dev.jimg.emulator.launch;

import dev.jimg.block.CacheMode;
import dev.jimg.block.DetectZeroes;
import dev.jimg.block.DiscardMode;
import dev.jimg.block.ImageException;
import dev.jimg.block.util.QemuOptionSyntax;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code -drive} option, with QEMU's defaults: {@code if=virtio} (on this machine, as on
 * QEMU's riscv {@code virt}, a virtio-mmio slot), {@code cache=writeback}, {@code discard=ignore},
 * {@code detect-zeroes=off}, format probed when not given.
 *
 * @param id     the name {@code -device …,drive=} refers to, or {@code null}
 * @param file   the image file
 * @param format the format, or {@code null} to probe
 * @param iface  {@code if=}: where the drive attaches by itself, or {@link Interface#NONE} to wait
 *               for a {@code -device}
 */
record DriveSpec(String id, String file, String format, Interface iface, CacheMode cache, boolean snapshot,
        boolean readOnly, DiscardMode discard, DetectZeroes detectZeroes, String serial) {

    /** The {@code if=} values this machine has. */
    enum Interface {
        /** A virtio-mmio slot. */
        VIRTIO,
        /** A port of the AHCI controller the machine adds for such drives (not a QEMU value). */
        AHCI,
        /** A USB stick ({@code usb-storage}) on the xHCI controller, added if there is none. */
        USB,
        /** Attached by a {@code -device}. */
        NONE
    }

    /** Whether the drive attaches by itself rather than through a {@code -device}. */
    boolean attachedHere() {
        return iface != Interface.NONE;
    }

    /** Parses the comma-separated {@code key=value} list of {@code -drive}. */
    static DriveSpec parse(String spec, boolean globalSnapshot) {
        Map<String, String> kv = keyValues(spec, "file");
        String file = kv.remove("file");
        if (file == null || file.isEmpty()) {
            throw new OptionException("-drive " + spec + ": a file= is required");
        }
        String iface = kv.getOrDefault("if", "virtio");
        kv.remove("if");
        Interface attached = switch (iface) {
            case "virtio" -> Interface.VIRTIO;
            case "ahci" -> Interface.AHCI;
            case "usb" -> Interface.USB;
            case "none" -> Interface.NONE;
            default -> throw new OptionException("-drive " + spec + ": interface if=" + iface
                    + " is not available on this machine (use virtio, ahci, usb or none)");
        };
        try {
            DriveSpec d = new DriveSpec(kv.remove("id"), file, kv.remove("format"), attached,
                    CacheMode.parse(kv.getOrDefault("cache", "writeback")),
                    onOff(spec, "snapshot", kv.get("snapshot"), globalSnapshot),
                    onOff(spec, "readonly", kv.get("readonly"), false),
                    DiscardMode.parse(kv.getOrDefault("discard", "ignore")),
                    DetectZeroes.parse(kv.getOrDefault("detect-zeroes", "off")),
                    kv.get("serial"));
            for (String used : new String[] {"cache", "snapshot", "readonly", "discard", "detect-zeroes", "serial",
                    "media"}) {
                kv.remove(used);
            }
            if (!kv.isEmpty()) {
                throw new OptionException("-drive " + spec + ": unknown option '" + kv.keySet().iterator().next() + "'");
            }
            return d;
        } catch (ImageException e) {
            throw new OptionException("-drive " + spec + ": " + e.getMessage());
        }
    }

    private static boolean onOff(String spec, String key, String value, boolean dflt) {
        if (value == null) {
            return dflt;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "on", "yes", "true" -> true;
            case "off", "no", "false" -> false;
            default -> throw new OptionException("-drive " + spec + ": " + key + "=" + value + " must be on or off");
        };
    }

    /**
     * QEMU's option syntax: {@code key=value} pairs separated by commas, a doubled comma standing for
     * a literal comma; a first item without {@code =} is the value of {@code implicitKey}.
     */
    static Map<String, String> keyValues(String spec, String implicitKey) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> items = QemuOptionSyntax.items(spec);
        for (int k = 0; k < items.size(); k++) {
            String s = items.get(k);
            if (s.isEmpty()) {
                continue;
            }
            int eq = s.indexOf('=');
            if (eq < 0) {
                if (k == 0 && implicitKey != null) {
                    out.put(implicitKey, s);
                } else {
                    out.put(s, "on");
                }
            } else {
                out.put(s.substring(0, eq), s.substring(eq + 1));
            }
        }
        return out;
    }
}
