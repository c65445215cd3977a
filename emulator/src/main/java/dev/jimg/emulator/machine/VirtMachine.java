package dev.jimg.emulator.machine;

import static dev.jimg.emulator.machine.VirtMemoryMap.*;

import dev.jimg.block.ImageException;
import dev.jimg.emulator.cpu.Cpu;
import dev.jimg.emulator.devices.Clint;
import dev.jimg.emulator.devices.GoldfishRtc;
import dev.jimg.emulator.devices.Plic;
import dev.jimg.emulator.devices.SifiveTest;
import dev.jimg.emulator.devices.Uart16550;
import dev.jimg.emulator.devices.VirtualClock;
import dev.jimg.emulator.devices.WorkTracker;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.ContainerRegion;
import dev.jimg.emulator.memory.IrqLine;
import dev.jimg.emulator.memory.MmioRegion;
import dev.jimg.emulator.memory.RamRegion;
import dev.jimg.emulator.ahci.AhciPci;
import dev.jimg.emulator.ata.AtaDisk;
import dev.jimg.emulator.pci.IntxSwizzle;
import dev.jimg.emulator.pci.PcieHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import dev.jimg.emulator.virtio.VirtioBlk;
import dev.jimg.emulator.virtio.VirtioDevice;
import dev.jimg.emulator.virtio.VirtioMmio;
import dev.jimg.emulator.virtio.VirtioPci;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.file.Files;
import java.util.Objects;

/**
 * The {@code virt} board: one RV64GC hart, RAM, the mask ROM with the reset vector, CLINT, PLIC,
 * a 16550A UART, the Goldfish RTC, the SiFive test finisher, eight virtio-mmio slots and a PCIe
 * host bridge, at QEMU's addresses ({@link VirtMemoryMap}).
 *
 * <p>Booting follows QEMU: firmware at the start of RAM, a kernel at its ELF addresses or at
 * 0x8020_0000, the initrd {@code min(RAM/2, 128 MiB)} past the kernel entry, the device tree just
 * below the end of RAM (at most 3 GiB) aligned down to 2 MiB, and the boot ROM entering the
 * firmware with a0 = hart id, a1 = device tree, a2 = {@code fw_dynamic} info.
 */
public final class VirtMachine {
    /** The physical address space is 56 bits wide (Sv39/Sv48 PPNs reach that far). */
    private static final long ADDRESS_SPACE_SIZE = 1L << 56;
    /** A raw kernel goes at the first 2 MiB boundary after the firmware (0x8020_0000 after OpenSBI). */
    private static final long KERNEL_ALIGN = 2L << 20;
    /** The model string of AHCI disks, QEMU's. */
    private static final String ATA_MODEL = "QEMU HARDDISK";

    private final MachineConfig config;
    private final Cpu cpu;
    private final VirtualClock clock;
    /** What the storage devices report their requests in flight to: the clock, which then skips no time. */
    private final WorkTracker work;
    private final Uart16550 uart;
    private final GoldfishRtc rtc;
    private final AddressSpace bus;
    private final RamRegion ram;
    private final PcieHost pcie;
    /** Numbers the serials of AHCI disks that have none, across controllers. */
    private int ataSerials;
    private volatile SifiveTest.Outcome outcome;

    public VirtMachine(MachineConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        if (config.ramSize() <= 0 || config.ramSize() % RamRegion.PAGE_SIZE != 0) {
            throw new ImageException("RAM size must be a positive multiple of 4 KiB, not " + config.ramSize());
        }
        if (config.ramSize() > RamRegion.MAX_SIZE) {
            throw new ImageException("RAM size " + (config.ramSize() >> 20) + " MiB is more than the "
                    + (RamRegion.MAX_SIZE >> 20) + " MiB this machine supports");
        }
        ContainerRegion system = new ContainerRegion("system", ADDRESS_SPACE_SIZE);
        this.bus = new AddressSpace("memory", system);
        this.ram = RamRegion.ram("riscv_virt_board.ram", config.ramSize());
        this.clock = new VirtualClock(config.timeSkip());
        this.work = new WorkTracker() {
            @Override
            public void begin() {
                clock.beginWork();
            }

            @Override
            public void end() {
                clock.endWork();
            }
        };

        // The CPU needs the CLINT as its timer and the CLINT drives the CPU's interrupts.
        Cpu[] self = new Cpu[1];
        Clint clint = new Clint(clock, level -> self[0].setInterruptPending(3, level),
                level -> self[0].setInterruptPending(7, level));
        this.cpu = new Cpu(0, bus, ram, clint, clock);
        self[0] = cpu;
        Plic plic = new Plic(level -> cpu.setInterruptPending(11, level), level -> cpu.setInterruptPending(9, level));
        this.uart = new Uart16550(plic.source(UART0_IRQ), config.console());
        long epochAtStart = System.currentTimeMillis() * 1_000_000L;
        this.rtc = new GoldfishRtc(() -> epochAtStart + clock.nanos(), plic.source(RTC_IRQ));
        SifiveTest test = new SifiveTest(this::finish);

        system.addSubregion(MROM, RamRegion.rom("riscv_virt_board.mrom", MROM_SIZE));
        system.addSubregion(TEST, new MmioRegion("riscv.sifive.test", SifiveTest.SIZE, test));
        system.addSubregion(RTC, new MmioRegion("goldfish_rtc", GoldfishRtc.SIZE, rtc));
        system.addSubregion(CLINT, new MmioRegion("riscv.aclint", Clint.SIZE, clint));
        system.addSubregion(PLIC, new MmioRegion("riscv.sifive.plic", Plic.SIZE, plic));
        system.addSubregion(UART0, new MmioRegion("serial", Uart16550.SIZE, uart));
        system.addSubregion(DRAM, ram);
        addVirtioSlots(system, plic);
        this.pcie = addPcie(system, plic);
        plugPciStorage();
        cpu.setBetweenSlices(() -> {
            uart.flush();
            rtc.poll();
        });
    }

    /**
     * Eight virtio-mmio transports; disk n goes into slot 7 - n, where QEMU puts the n-th
     * {@code virtio-*-device} (and which Linux, probing the device tree's reversed slot list,
     * finds first).
     */
    private void addVirtioSlots(ContainerRegion system, Plic plic) {
        for (int slot = 0; slot < VIRTIO_COUNT; slot++) {
            int diskIndex = VIRTIO_COUNT - 1 - slot;
            VirtioDevice device = null;
            if (diskIndex < config.disks().size()) {
                VirtioDisk d = config.disks().get(diskIndex);
                try {
                    device = new VirtioBlk(d.node(), d.serial(), d.readOnly(), d.mayUnmap(), work, config.warnings());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot attach " + d.node().filename() + ": " + e.getMessage(), e);
                }
            }
            VirtioMmio transport = new VirtioMmio(device, bus, plic.source(VIRTIO_IRQ + slot), config.warnings());
            system.addSubregion(virtio(slot), new MmioRegion("virtio-mmio", VirtioMmio.SIZE, transport));
        }
    }

    /** The PCIe host bridge at QEMU's addresses, its INTA..INTD on PLIC sources 32..35. */
    private PcieHost addPcie(ContainerRegion system, Plic plic) {
        IrqLine[] lines = new IrqLine[IntxSwizzle.LINES];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = plic.source(PCIE_IRQ + i);
        }
        PcieHost host = new PcieHost(bus, lines);
        system.addSubregion(PCIE_ECAM, host.ecamRegion());
        system.addSubregion(PCIE_PIO, host.ioWindow("gpex_ioport_window", PCIE_PIO_SIZE));
        system.addSubregion(PCIE_MMIO, host.memoryWindow("gpex_mmio_window", PCIE_MMIO, PCIE_MMIO_SIZE));
        system.addSubregion(PCIE_MMIO_HIGH, host.memoryWindow("gpex_mmio_window_high", PCIE_MMIO_HIGH,
                PCIE_MMIO_HIGH_SIZE));
        return host;
    }

    /** The PCI storage controllers of the configuration, in slots 1, 2, … in order. */
    private void plugPciStorage() {
        for (PciStorage storage : config.pciStorage()) {
            int slot = pcie.bus().freeSlot(1);
            if (slot < 0) {
                throw new ImageException("the PCIe bus has no free slot left for " + storage);
            }
            try {
                pcie.bus().plug(slot, switch (storage) {
                    case PciStorage.VirtioBlkPci v -> new VirtioPci(new VirtioBlk(v.disk().node(), v.disk().serial(),
                            v.disk().readOnly(), v.disk().mayUnmap(), work, config.warnings()), v.transitional(),
                            config.warnings());
                    case PciStorage.Ahci a -> new AhciPci(ataDisks(a), work, config.warnings());
                    case PciStorage.Xhci x -> UsbStorage.controller(x, clock::nanos, work, config.warnings());
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot attach a disk to " + storage + ": " + e.getMessage(), e);
            }
        }
    }

    /** The AHCI ports' disks; a disk without a serial gets QEMU's kind, "QM" and a number. */
    private List<AtaDisk> ataDisks(PciStorage.Ahci ahci) throws IOException {
        List<AtaDisk> disks = new ArrayList<>();
        for (Map.Entry<Integer, VirtioDisk> e : ahci.ports().entrySet()) {
            while (disks.size() < e.getKey()) {
                disks.add(null);
            }
            VirtioDisk d = e.getValue();
            String serial = d.serial().isEmpty() ? String.format("QM%05d", ataSerials++) : d.serial();
            disks.add(new AtaDisk(d.node(), serial, ATA_MODEL, d.readOnly(), config.warnings()));
        }
        return disks;
    }

    /** The PCIe host bridge, whose bus storage controllers are plugged into. */
    public PcieHost pcie() {
        return pcie;
    }

    public Cpu cpu() {
        return cpu;
    }

    public AddressSpace bus() {
        return bus;
    }

    public RamRegion ram() {
        return ram;
    }

    public VirtualClock clock() {
        return clock;
    }

    /** Delivers a byte typed on the serial console, waiting while the UART's FIFO is full. */
    public void sendSerial(int b) throws InterruptedException {
        uart.receive(b);
    }

    private void finish(SifiveTest.Outcome how) {
        outcome = how;
        cpu.stop();
    }

    /** Ends the machine from outside, as if powered off (status 0). */
    public void powerOff() {
        finish(new SifiveTest.Outcome.PowerOff(0));
    }

    /** The device tree this machine would pass, for {@code -M virt,dumpdtb=FILE}. */
    public static byte[] deviceTree(long ramSize, String append) {
        return VirtDeviceTree.build(ramSize, append, -1, -1).toBlob();
    }

    /** Loads firmware, kernel, initrd, device tree and reset vector, and resets the hart. */
    public void load() throws IOException {
        ImageLoader loader = new ImageLoader(bus);
        long firmwareEnd = DRAM;
        long firmwareEntry = DRAM;
        if (config.firmware() != null) {
            ImageLoader.Loaded fw = loader.load(config.firmware().toString(), Files.readAllBytes(config.firmware()), DRAM);
            firmwareEntry = fw.entry();
            firmwareEnd = fw.end();
        }
        long kernelEntry = 0;
        long initrdStart = -1;
        long initrdEnd = -1;
        if (config.kernel() != null) {
            long kernelStart = alignUp(firmwareEnd, KERNEL_ALIGN);
            ImageLoader.Loaded k = loader.load(config.kernel().toString(), Files.readAllBytes(config.kernel()), kernelStart);
            kernelEntry = k.entry();
            if (config.initrd() != null) {
                byte[] initrd = Files.readAllBytes(config.initrd());
                initrdStart = kernelEntry + Math.min(config.ramSize() / 2, INITRD_MAX_OFFSET);
                loader.place(config.initrd().toString(), initrdStart, initrd);
                initrdEnd = initrdStart + initrd.length;
            }
        } else if (config.initrd() != null) {
            throw new ImageException("an initrd needs a kernel (-initrd without -kernel)");
        }
        byte[] fdt = VirtDeviceTree.build(config.ramSize(), config.append(), initrdStart, initrdEnd).toBlob();
        long ramEnd = DRAM + config.ramSize();
        long fdtAddress = (Math.min(ramEnd, FDT_LIMIT) - fdt.length) & -FDT_ALIGN;
        if (fdtAddress < DRAM) {
            throw new ImageException("RAM of " + config.ramSize() + " bytes is too small for the device tree");
        }
        loader.place("device tree", fdtAddress, fdt);
        loader.place("boot ROM", MROM, BootRom.build(firmwareEntry, fdtAddress, kernelEntry));
        cpu.reset(MROM);
    }

    /** Runs until the guest powers off, fails or resets; returns how it ended. */
    public SifiveTest.Outcome run() {
        outcome = null;
        cpu.run();
        SifiveTest.Outcome how = outcome;
        return how == null ? new SifiveTest.Outcome.PowerOff(0) : how;
    }

    private static long alignUp(long v, long alignment) {
        return (v + alignment - 1) & -alignment;
    }
}
