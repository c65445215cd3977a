package dev.jimg.emulator.machine;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What to build and boot.
 *
 * @param ramSize  bytes of RAM
 * @param firmware the M-mode firmware loaded at the start of RAM (OpenSBI), or {@code null} for
 *                 none ({@code -bios none}: the boot ROM then jumps to the start of RAM, where
 *                 {@code -kernel} must have put something)
 * @param kernel   the kernel or bare-metal program, or {@code null}
 * @param initrd   the initial RAM disk, or {@code null}
 * @param append   the kernel command line, or {@code null}
 * @param disks    block devices for the virtio-mmio slots, in slot order
 * @param timeSkip whether idle time may be skipped (see {@code VirtualClock})
 * @param console  where the serial console's output goes
 * @param warnings receives problems the user should hear about that the guest only sees as device
 *                 errors (a failed disk write, a driver breaking the virtio protocol)
 * @param pciStorage storage controllers on the PCIe bus, in slot order from slot 1
 */
public record MachineConfig(long ramSize, Path firmware, Path kernel, Path initrd, String append,
        List<VirtioDisk> disks, boolean timeSkip, OutputStream console, Consumer<String> warnings,
        List<PciStorage> pciStorage) {

    public MachineConfig {
        Objects.requireNonNull(console, "console");
        Objects.requireNonNull(warnings, "warnings");
        disks = List.copyOf(disks);
        pciStorage = List.copyOf(pciStorage);
        if (disks.size() > VirtMemoryMap.VIRTIO_COUNT) {
            throw new IllegalArgumentException("the virt board has " + VirtMemoryMap.VIRTIO_COUNT
                    + " virtio-mmio slots, " + disks.size() + " disks were given");
        }
    }

    /** A machine without PCI storage controllers. */
    public MachineConfig(long ramSize, Path firmware, Path kernel, Path initrd, String append, List<VirtioDisk> disks,
            boolean timeSkip, OutputStream console, Consumer<String> warnings) {
        this(ramSize, firmware, kernel, initrd, append, disks, timeSkip, console, warnings, List.of());
    }
}
