package dev.jimg.emulator.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jimg.block.ImageOpener;
import dev.jimg.emulator.machine.PciStorage;
import dev.jimg.emulator.machine.VirtioDisk;
import dev.jimg.emulator.testutil.TestRawDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code -drive} and {@code -device} put each disk: virtio-mmio slots, the PCIe bus, AHCI ports. */
class DriveOpenerTest {
    @TempDir
    Path dir;

    private final ImageOpener opener = TestRawDriver.opener();
    private final List<String> files = new ArrayList<>();

    @BeforeEach
    void images() throws Exception {
        for (int i = 0; i < 8; i++) {
            Path p = dir.resolve("d" + i + ".raw");
            Files.write(p, new byte[4096]);
            files.add(p.toString());
        }
    }

    private Emulator.Drives open(String... args) throws Exception {
        return DriveOpener.open(LaunchOptions.parse(List.of(args)), opener);
    }

    private String drive(int i, String rest) {
        return "file=" + files.get(i) + ",format=raw," + rest;
    }

    @Test
    void ifVirtioIsATransitionalVirtioBlkPciAfterTheDevicesAsOnQemusRiscvVirt() throws Exception {
        try (Emulator.Drives d = open("-drive", drive(0, "if=virtio"), "-drive", drive(1, "if=none,id=x"),
                "-device", "virtio-blk-device,drive=x", "-drive", drive(2, "if=none,id=p"),
                "-device", "virtio-blk-pci,drive=p", "-drive", drive(3, "if=virtio"))) {
            assertEquals(1, d.disks().size(), "only the virtio-blk-device is on virtio-mmio");
            assertTrue(d.disks().get(0).node().filename().endsWith("d1.raw"));
            List<PciStorage> pci = d.pciStorage();
            assertEquals(3, pci.size());
            String[] expected = {"d2.raw", "d0.raw", "d3.raw"};
            for (int i = 0; i < 3; i++) {
                PciStorage.VirtioBlkPci virtio = assertInstanceOf(PciStorage.VirtioBlkPci.class, pci.get(i));
                assertTrue(name(virtio.disk()).endsWith(expected[i]), "slot " + i + ": " + name(virtio.disk()));
                assertTrue(virtio.transitional(), "QEMU's default: transitional");
            }
        }
    }

    @Test
    void pciDevicesTakeTheirCommandLineOrderAndTheIfAhciControllerComesLast() throws Exception {
        try (Emulator.Drives d = open("-drive", drive(0, "if=ahci"), "-drive", drive(1, "if=ahci"),
                "-drive", drive(2, "if=none,id=v"), "-device", "virtio-blk-pci,drive=v",
                "-device", "ahci,id=sata", "-drive", drive(3, "if=none,id=s3"), "-device", "ide-hd,drive=s3,bus=sata.2",
                "-drive", drive(4, "if=none,id=s4"), "-device", "ide-hd,drive=s4")) {
            List<PciStorage> pci = d.pciStorage();
            assertEquals(3, pci.size());
            PciStorage.VirtioBlkPci virtio = assertInstanceOf(PciStorage.VirtioBlkPci.class, pci.get(0));
            assertTrue(name(virtio.disk()).endsWith("d2.raw"));
            assertTrue(virtio.transitional(), "QEMU's default: transitional");
            Map<Integer, VirtioDisk> sata = assertInstanceOf(PciStorage.Ahci.class, pci.get(1)).ports();
            assertEquals(List.of(0, 2), List.copyOf(sata.keySet()), "bus=sata.2, then the first free port");
            assertTrue(name(sata.get(2)).endsWith("d3.raw"));
            assertTrue(name(sata.get(0)).endsWith("d4.raw"));
            Map<Integer, VirtioDisk> implicit = assertInstanceOf(PciStorage.Ahci.class, pci.get(2)).ports();
            assertTrue(name(implicit.get(0)).endsWith("d0.raw") && name(implicit.get(1)).endsWith("d1.raw"));
        }
    }

    @Test
    void refusesDevicesThatCannotBeWired() {
        assertMessage("no AHCI controller", "-drive", drive(0, "if=none,id=a"), "-device", "ide-hd,drive=a");
        assertMessage("no such bus", "-device", "ahci,id=sata", "-drive", drive(0, "if=none,id=a"),
                "-device", "ide-hd,drive=a,bus=other.0");
        assertMessage("no such bus", "-device", "ahci,id=sata", "-drive", drive(0, "if=none,id=a"),
                "-device", "ide-hd,drive=a,bus=sata.6");
        assertMessage("the port is in use", "-device", "ahci,id=sata", "-drive", drive(0, "if=none,id=a"),
                "-drive", drive(1, "if=none,id=b"), "-device", "ide-hd,drive=a,bus=sata.0",
                "-device", "ide-hd,drive=b,bus=sata.0");
        assertMessage("already in use", "-drive", drive(0, "if=none,id=a"), "-device", "virtio-blk-pci,drive=a",
                "-device", "virtio-blk-pci,drive=a");
        assertMessage("no -drive with id=b", "-device", "virtio-blk-pci,drive=b");
        assertMessage("has 6 ports", "-drive", drive(0, "if=ahci"), "-drive", drive(1, "if=ahci"), "-drive", drive(2, "if=ahci"),
                "-drive", drive(3, "if=ahci"), "-drive", drive(4, "if=ahci"), "-drive", drive(5, "if=ahci"),
                "-drive", drive(6, "if=ahci"));
        assertMessage("not available", "-device", "nvme,drive=a");
        assertMessage("takes no drive=", "-device", "ahci,drive=a");
        assertMessage("if=ide is not available", "-drive", drive(0, "if=ide"));
        assertMessage("must be on, off or auto", "-drive", drive(0, "if=none,id=a"),
                "-device", "virtio-blk-pci,drive=a,disable-legacy=maybe");
    }

    @Test
    void usbStorageGoesOnTheXhciControllerAndIfUsbJoinsIt() throws Exception {
        try (Emulator.Drives d = open("-drive", drive(0, "if=usb"), "-device", "qemu-xhci,id=xhci0",
                "-drive", drive(1, "if=none,id=u"), "-device", "usb-storage,drive=u,bus=xhci0.0")) {
            List<PciStorage> pci = d.pciStorage();
            assertEquals(1, pci.size(), "if=usb uses the controller given with -device");
            List<VirtioDisk> sticks = assertInstanceOf(PciStorage.Xhci.class, pci.get(0)).disks();
            assertEquals(2, sticks.size());
            assertTrue(name(sticks.get(0)).endsWith("d1.raw"), "-device usb-storage first, then if=usb");
            assertTrue(name(sticks.get(1)).endsWith("d0.raw"));
        }
        try (Emulator.Drives d = open("-drive", drive(0, "if=none,id=v"), "-device", "virtio-blk-pci,drive=v",
                "-drive", drive(1, "if=usb"))) {
            assertInstanceOf(PciStorage.VirtioBlkPci.class, d.pciStorage().get(0));
            assertEquals(1, assertInstanceOf(PciStorage.Xhci.class, d.pciStorage().get(1)).disks().size(),
                    "the short form adds a controller after the -devices");
        }
    }

    @Test
    void refusesUsbStorageThatCannotBeWired() {
        assertMessage("no USB controller", "-drive", drive(0, "if=none,id=a"), "-device", "usb-storage,drive=a");
        assertMessage("only one xHCI controller", "-device", "qemu-xhci", "-device", "qemu-xhci");
        assertMessage("has 4 connectors", "-drive", drive(0, "if=usb"), "-drive", drive(1, "if=usb"),
                "-drive", drive(2, "if=usb"), "-drive", drive(3, "if=usb"), "-drive", drive(4, "if=usb"));
        assertMessage("takes no drive=", "-device", "qemu-xhci,drive=a");
        assertMessage("p3=8 is not available", "-device", "qemu-xhci,p3=8");
    }

    @Test
    void disableLegacyMakesAModernOnlyFunction() throws Exception {
        try (Emulator.Drives d = open("-drive", drive(0, "if=none,id=a"), "-device", "virtio-blk-pci,drive=a,disable-legacy=on")) {
            assertFalse(((PciStorage.VirtioBlkPci) d.pciStorage().get(0)).transitional());
        }
    }

    private void assertMessage(String expected, String... args) {
        Exception e = assertThrows(Exception.class, () -> open(args).close());
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    private static String name(VirtioDisk disk) {
        return disk.node().filename();
    }
}
