package dev.jimg.emulator.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The qemu-system-riscv64 options the emulator understands. Everything else is refused with a
 * message rather than ignored, so that a command line that works here means the same as in QEMU.
 *
 * @param ramSize  {@code -m}, bytes (QEMU's default 128 MiB)
 * @param bios     {@code -bios}: "default", "none" or a file
 * @param dumpDtb  {@code -M virt,dumpdtb=FILE}: write the device tree there and exit, or {@code null}
 * @param devices  the {@code -device}s, in order
 * @param timeSkip {@code -icount shift=auto,sleep=off}: idle time is skipped
 */
record LaunchOptions(long ramSize, String bios, String kernel, String initrd, String append, List<DriveSpec> drives,
        List<DeviceSpec> devices, boolean noReboot, boolean timeSkip, String dumpDtb) {

    static final long DEFAULT_RAM = 128L << 20;

    static LaunchOptions parse(List<String> args) {
        long ram = DEFAULT_RAM;
        String bios = "default";
        String kernel = null;
        String initrd = null;
        String append = null;
        String dumpDtb = null;
        List<String> driveSpecs = new ArrayList<>();
        List<DeviceSpec> devices = new ArrayList<>();
        boolean noReboot = false;
        boolean timeSkip = false;
        boolean snapshot = false;
        for (int i = 0; i < args.size(); i++) {
            String opt = args.get(i);
            String name = opt.startsWith("--") ? opt.substring(1) : opt;
            switch (name) {
                case "-nographic", "-no-reboot", "-snapshot" -> {
                    if (name.equals("-no-reboot")) {
                        noReboot = true;
                    } else if (name.equals("-snapshot")) {
                        snapshot = true;
                    }
                    continue;
                }
                default -> {
                    // options with a value below
                }
            }
            if (!name.startsWith("-")) {
                throw new OptionException("unexpected argument '" + opt + "'");
            }
            if (i + 1 >= args.size()) {
                throw new OptionException("option '" + opt + "' needs a value");
            }
            String value = args.get(++i);
            switch (name) {
                case "-M", "-machine" -> dumpDtb = machine(value, dumpDtb);
                case "-m" -> ram = memorySize(value);
                case "-smp" -> smp(value);
                case "-cpu" -> {
                    if (!value.equals("rv64")) {
                        throw new OptionException("-cpu " + value + ": only rv64 is available");
                    }
                }
                case "-bios" -> bios = value;
                case "-kernel" -> kernel = value;
                case "-initrd" -> initrd = value;
                case "-append" -> append = value;
                case "-drive" -> driveSpecs.add(value);
                case "-device" -> devices.add(DeviceSpec.parse(value));
                case "-serial" -> {
                    if (!value.equals("mon:stdio") && !value.equals("stdio")) {
                        throw new OptionException("-serial " + value + ": only stdio and mon:stdio are available");
                    }
                }
                case "-display", "-monitor" -> {
                    if (!value.equals("none")) {
                        throw new OptionException(name + " " + value + ": only 'none' is available");
                    }
                }
                case "-icount" -> timeSkip = icount(value);
                default -> throw new OptionException("unsupported option '" + opt + "'");
            }
        }
        List<DriveSpec> drives = new ArrayList<>();
        for (String spec : driveSpecs) {
            drives.add(DriveSpec.parse(spec, snapshot));
        }
        return new LaunchOptions(ram, bios, kernel, initrd, append, drives, devices, noReboot, timeSkip, dumpDtb);
    }

    private static String machine(String value, String dumpDtb) {
        Map<String, String> kv = DriveSpec.keyValues(value, "type");
        String type = kv.remove("type");
        if (type != null && !type.equals("virt")) {
            throw new OptionException("-M " + value + ": only the virt machine is available");
        }
        String dump = kv.remove("dumpdtb");
        return dump != null ? dump : dumpDtb;
    }

    private static void smp(String value) {
        Map<String, String> kv = DriveSpec.keyValues(value, "cpus");
        String cpus = kv.getOrDefault("cpus", "1");
        if (!cpus.equals("1")) {
            throw new OptionException("-smp " + value + ": only one CPU is available");
        }
    }

    private static boolean icount(String value) {
        Map<String, String> kv = DriveSpec.keyValues(value, "shift");
        String shift = kv.getOrDefault("shift", "auto");
        if (!shift.equals("auto")) {
            throw new OptionException("-icount " + value + ": only shift=auto is available"
                    + " (time follows the host clock and skips ahead while the CPU idles)");
        }
        return kv.getOrDefault("sleep", "on").equals("off");
    }

    /** QEMU's size syntax: a number of MiB, or a number with a K, M, G or T suffix. */
    static long memorySize(String value) {
        String v = value.startsWith("size=") ? value.substring(5) : value;
        int comma = v.indexOf(',');
        if (comma >= 0) {
            v = v.substring(0, comma);
        }
        if (v.isEmpty()) {
            throw new OptionException("-m " + value + ": missing size");
        }
        char last = Character.toUpperCase(v.charAt(v.length() - 1));
        long unit = switch (last) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            case 'B' -> 1;
            default -> -1;
        };
        String digits = unit < 0 ? v : v.substring(0, v.length() - 1);
        if (unit < 0) {
            unit = 1L << 20;
        }
        try {
            double amount = Double.parseDouble(digits.toLowerCase(Locale.ROOT));
            if (amount <= 0 || Double.isNaN(amount) || Double.isInfinite(amount)) {
                throw new NumberFormatException(digits);
            }
            return (long) (amount * unit);
        } catch (NumberFormatException e) {
            throw new OptionException("-m " + value + ": not a size");
        }
    }
}
