package dev.jimg.emulator.ata;

/**
 * How a command moves data (ATA8-ACS, section 7 per command, "Protocol"), which decides the FISes
 * a SATA device sends: a Register D2H FIS ends non-data and DMA commands, a PIO Setup FIS comes
 * with each PIO data block, a Set Device Bits FIS completes queued commands.
 */
public enum AtaProtocol {
    NON_DATA(false, false),
    PIO_IN(true, false),
    PIO_OUT(false, true),
    DMA_IN(true, false),
    DMA_OUT(false, true),
    /** First-party DMA, queued (NCQ): READ FPDMA QUEUED. */
    FPDMA_IN(true, false),
    /** WRITE FPDMA QUEUED. */
    FPDMA_OUT(false, true);

    private final boolean toHost;
    private final boolean fromHost;

    AtaProtocol(boolean toHost, boolean fromHost) {
        this.toHost = toHost;
        this.fromHost = fromHost;
    }

    /** Whether data flows from the device into host memory. */
    public boolean toHost() {
        return toHost;
    }

    /** Whether data flows from host memory to the device. */
    public boolean fromHost() {
        return fromHost;
    }

    public boolean queued() {
        return this == FPDMA_IN || this == FPDMA_OUT;
    }

    public boolean pio() {
        return this == PIO_IN || this == PIO_OUT;
    }
}
