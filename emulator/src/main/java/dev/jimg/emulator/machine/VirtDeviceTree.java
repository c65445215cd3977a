package dev.jimg.emulator.machine;

import static dev.jimg.emulator.machine.VirtMemoryMap.*;

import dev.jimg.emulator.devices.Clint;
import dev.jimg.emulator.devices.GoldfishRtc;
import dev.jimg.emulator.devices.Plic;
import dev.jimg.emulator.devices.SifiveTest;
import dev.jimg.emulator.devices.Uart16550;
import dev.jimg.emulator.devices.VirtualClock;

/**
 * The device tree of the {@code virt} board, node for node as QEMU 7.2 generates it
 * ({@code qemu-system-riscv64 -M virt,dumpdtb=virt.dtb}), minus what this machine does not have
 * (flash, fw_cfg, platform bus, PMU event map) and with {@code riscv,isa} naming only
 * the extensions this CPU implements.
 */
final class VirtDeviceTree {
    /** What the CPU implements, in the ISA string form Linux 6.1 and U-Boot parse. */
    static final String ISA = "rv64imafdc_zicsr_zifencei";
    /** The CPU's interrupt numbers (mip bits) the CLINT and PLIC drive, as interrupts-extended cells. */
    private static final int IRQ_M_SOFT = 3;
    private static final int IRQ_M_TIMER = 7;
    private static final int IRQ_M_EXT = 11;
    private static final int IRQ_S_EXT = 9;

    private VirtDeviceTree() {
    }

    /**
     * @param ramSize     bytes of RAM at {@link VirtMemoryMap#DRAM}
     * @param bootargs    the kernel command line, or {@code null}
     * @param initrdStart the initrd's guest address, or -1 without one
     * @param initrdEnd   the address just past the initrd
     */
    static DeviceTree build(long ramSize, String bootargs, long initrdStart, long initrdEnd) {
        DeviceTree tree = new DeviceTree();
        DeviceTree.Node root = tree.root();
        root.cells("#address-cells", 2).cells("#size-cells", 2);
        root.strings("compatible", "riscv-virtio");
        root.strings("model", "riscv-virtio,qemu");

        int cpuPhandle = tree.allocatePhandle();
        int intcPhandle = tree.allocatePhandle();
        int plicPhandle = tree.allocatePhandle();
        int testPhandle = tree.allocatePhandle();

        DeviceTree.Node chosen = root.child("chosen");
        chosen.strings("stdout-path", "/soc/serial@" + hex(UART0));
        if (bootargs != null) {
            chosen.strings("bootargs", bootargs);
        }
        if (initrdStart >= 0) {
            chosen.longs("linux,initrd-start", initrdStart);
            chosen.longs("linux,initrd-end", initrdEnd);
        }

        root.child("poweroff").cells("value", 0x5555).cells("offset", 0).cells("regmap", testPhandle)
                .strings("compatible", "syscon-poweroff");
        root.child("reboot").cells("value", 0x7777).cells("offset", 0).cells("regmap", testPhandle)
                .strings("compatible", "syscon-reboot");

        root.child("memory@" + hex(DRAM)).strings("device_type", "memory").longs("reg", DRAM, ramSize);

        DeviceTree.Node cpus = root.child("cpus");
        cpus.cells("#address-cells", 1).cells("#size-cells", 0)
                .cells("timebase-frequency", (int) VirtualClock.TIMEBASE_HZ);
        DeviceTree.Node cpu = cpus.child("cpu@0");
        cpu.cells("phandle", cpuPhandle).strings("device_type", "cpu").cells("reg", 0).strings("status", "okay")
                .strings("compatible", "riscv").strings("riscv,isa", ISA).strings("mmu-type", "riscv,sv48");
        cpu.child("interrupt-controller").cells("#interrupt-cells", 1).flag("interrupt-controller")
                .strings("compatible", "riscv,cpu-intc").cells("phandle", intcPhandle);
        cpus.child("cpu-map").child("cluster0").child("core0").cells("cpu", cpuPhandle);

        DeviceTree.Node soc = root.child("soc");
        soc.cells("#address-cells", 2).cells("#size-cells", 2).strings("compatible", "simple-bus").flag("ranges");

        soc.child("rtc@" + hex(RTC)).cells("interrupts", RTC_IRQ).cells("interrupt-parent", plicPhandle)
                .longs("reg", RTC, GoldfishRtc.SIZE).strings("compatible", "google,goldfish-rtc");
        soc.child("serial@" + hex(UART0)).cells("interrupts", UART0_IRQ).cells("interrupt-parent", plicPhandle)
                .cells("clock-frequency", Uart16550.CLOCK_HZ).longs("reg", UART0, Uart16550.SIZE)
                .strings("compatible", "ns16550a");
        soc.child("test@" + hex(TEST)).cells("phandle", testPhandle).longs("reg", TEST, SifiveTest.SIZE)
                .strings("compatible", "sifive,test1", "sifive,test0", "syscon");
        VirtPcieNode.add(soc, plicPhandle);
        // QEMU lists the virtio-mmio slots from the last to the first.
        for (int slot = VIRTIO_COUNT - 1; slot >= 0; slot--) {
            soc.child("virtio_mmio@" + hex(virtio(slot))).cells("interrupts", VIRTIO_IRQ + slot)
                    .cells("interrupt-parent", plicPhandle).longs("reg", virtio(slot), VIRTIO_STRIDE)
                    .strings("compatible", "virtio,mmio");
        }
        soc.child("plic@" + hex(PLIC)).cells("phandle", plicPhandle).cells("riscv,ndev", Plic.SOURCES)
                .longs("reg", PLIC, Plic.SIZE).cells("interrupts-extended", intcPhandle, IRQ_M_EXT, intcPhandle, IRQ_S_EXT)
                .flag("interrupt-controller").strings("compatible", "sifive,plic-1.0.0", "riscv,plic0")
                .cells("#address-cells", 0).cells("#interrupt-cells", 1);
        soc.child("clint@" + hex(CLINT))
                .cells("interrupts-extended", intcPhandle, IRQ_M_SOFT, intcPhandle, IRQ_M_TIMER)
                .longs("reg", CLINT, Clint.SIZE).strings("compatible", "sifive,clint0", "riscv,clint0");
        return tree;
    }

    private static String hex(long v) {
        return Long.toHexString(v);
    }
}
