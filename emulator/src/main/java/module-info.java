/** The RISC-V virt machine whose storage devices are fed by the block layer. */
module dev.jimg.emulator {
    requires dev.jimg.block;
    requires java.management;

    exports dev.jimg.emulator.launch;

    uses dev.jimg.block.spi.FormatDriver;
}
