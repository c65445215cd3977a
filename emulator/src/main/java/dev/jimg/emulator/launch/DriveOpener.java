package dev.jimg.emulator.launch;

import dev.jimg.block.BlockNode;
import dev.jimg.block.DiscardMode;
import dev.jimg.block.ImageOpener;
import dev.jimg.block.OpenOptions;
import dev.jimg.emulator.machine.VirtioDisk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens the {@code -drive}s through the block layer and decides which virtio slot each one gets:
 * {@code if=virtio} drives in command-line order, then the {@code if=none} drives named by
 * {@code -device virtio-blk-device,drive=ID} in the order of those options; {@code if=usb} drives and
 * those named by {@code -device usb-storage,drive=ID} go to the xHCI controller. {@code snapshot=on}
 * opens the image read-only under a {@link SnapshotOverlay}.
 */
final class DriveOpener {
    private DriveOpener() {
    }

    static Emulator.Drives open(LaunchOptions options, ImageOpener opener) throws IOException {
        List<BlockNode> opened = new ArrayList<>();
        List<VirtioDisk> disks = new ArrayList<>();
        Map<String, VirtioDisk> byId = new HashMap<>();
        List<VirtioDisk> unattached = new ArrayList<>();
        List<VirtioDisk> usb = new ArrayList<>();
        try {
            for (DriveSpec d : options.drives()) {
                OpenOptions o = OpenOptions.builder().readOnly(d.readOnly() || d.snapshot()).cache(d.cache())
                        .discard(d.discard()).detectZeroes(d.detectZeroes()).build();
                BlockNode node = opener.open(d.file(), d.format(), o);
                opened.add(node);
                if (d.snapshot() && !d.readOnly()) {
                    node = SnapshotOverlay.over(node);
                    opened.set(opened.size() - 1, node);
                }
                String serial = d.serial() != null ? d.serial() : "";
                VirtioDisk disk = new VirtioDisk(node, serial, d.readOnly(), d.discard() == DiscardMode.UNMAP);
                if (d.id() != null && byId.put(d.id(), disk) != null) {
                    throw new OptionException("-drive " + d.file() + ": duplicate id " + d.id());
                }
                if (d.usb()) {
                    usb.add(disk);
                } else if (d.attachedHere()) {
                    disks.add(disk);
                } else {
                    unattached.add(disk);
                }
            }
            for (String id : options.devices()) {
                VirtioDisk disk = byId.get(id);
                if (disk == null) {
                    throw new OptionException("-device virtio-blk-device,drive=" + id + ": no -drive with id=" + id);
                }
                if (!unattached.remove(disk)) {
                    throw new OptionException("-device virtio-blk-device,drive=" + id
                            + ": drive " + id + " is already in use");
                }
                disks.add(disk);
            }
            for (String id : options.usb().storageDrives()) {
                VirtioDisk disk = byId.get(id);
                if (disk == null || !unattached.remove(disk)) {
                    throw new OptionException("-device usb-storage,drive=" + id + ": "
                            + (disk == null ? "no -drive with id=" + id : "drive " + id + " is already in use"));
                }
                usb.add(disk);
            }
            if (!options.usb().storageDrives().isEmpty() && !options.usb().controller()) {
                throw new OptionException("-device usb-storage needs a USB controller: add -device qemu-xhci");
            }
            boolean controller = options.usb().controller() || !usb.isEmpty();
            return new Emulator.Drives(disks, opened, controller ? new UsbDrives(true, usb) : UsbDrives.NONE);
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
}
