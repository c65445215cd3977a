package dev.jimg.emulator.cpu;

/**
 * CSR numbers (Privileged ISA 1.12, tables 2.2 to 2.5) and the mstatus / mip bit layout
 * (sections 3.1.6 and 3.1.9), named as in the specification.
 */
final class Csr {
    // Floating point (Unprivileged ISA, "F" chapter).
    static final int FFLAGS = 0x001;
    static final int FRM = 0x002;
    static final int FCSR = 0x003;
    // Unprivileged counters.
    static final int CYCLE = 0xc00;
    static final int TIME = 0xc01;
    static final int INSTRET = 0xc02;
    static final int HPMCOUNTER3 = 0xc03;
    static final int HPMCOUNTER31 = 0xc1f;
    // Supervisor.
    static final int SSTATUS = 0x100;
    static final int SIE = 0x104;
    static final int STVEC = 0x105;
    static final int SCOUNTEREN = 0x106;
    static final int SENVCFG = 0x10a;
    static final int SSCRATCH = 0x140;
    static final int SEPC = 0x141;
    static final int SCAUSE = 0x142;
    static final int STVAL = 0x143;
    static final int SIP = 0x144;
    static final int SATP = 0x180;
    // Machine information.
    static final int MVENDORID = 0xf11;
    static final int MARCHID = 0xf12;
    static final int MIMPID = 0xf13;
    static final int MHARTID = 0xf14;
    static final int MCONFIGPTR = 0xf15;
    // Machine trap setup and handling.
    static final int MSTATUS = 0x300;
    static final int MISA = 0x301;
    static final int MEDELEG = 0x302;
    static final int MIDELEG = 0x303;
    static final int MIE = 0x304;
    static final int MTVEC = 0x305;
    static final int MCOUNTEREN = 0x306;
    static final int MENVCFG = 0x30a;
    static final int MCOUNTINHIBIT = 0x320;
    static final int MHPMEVENT3 = 0x323;
    static final int MHPMEVENT31 = 0x33f;
    static final int MSCRATCH = 0x340;
    static final int MEPC = 0x341;
    static final int MCAUSE = 0x342;
    static final int MTVAL = 0x343;
    static final int MIP = 0x344;
    // Memory protection.
    static final int PMPCFG0 = 0x3a0;
    static final int PMPCFG15 = 0x3af;
    static final int PMPADDR0 = 0x3b0;
    static final int PMPADDR63 = 0x3ef;
    // Machine counters.
    static final int MCYCLE = 0xb00;
    static final int MINSTRET = 0xb02;
    static final int MHPMCOUNTER3 = 0xb03;
    static final int MHPMCOUNTER31 = 0xb1f;

    // mstatus fields.
    static final long MSTATUS_SIE = 1L << 1;
    static final long MSTATUS_MIE = 1L << 3;
    static final long MSTATUS_SPIE = 1L << 5;
    static final long MSTATUS_MPIE = 1L << 7;
    static final long MSTATUS_SPP = 1L << 8;
    static final int MSTATUS_MPP_SHIFT = 11;
    static final long MSTATUS_MPP = 3L << MSTATUS_MPP_SHIFT;
    static final int MSTATUS_FS_SHIFT = 13;
    static final long MSTATUS_FS = 3L << MSTATUS_FS_SHIFT;
    static final long MSTATUS_MPRV = 1L << 17;
    static final long MSTATUS_SUM = 1L << 18;
    static final long MSTATUS_MXR = 1L << 19;
    static final long MSTATUS_TVM = 1L << 20;
    static final long MSTATUS_TW = 1L << 21;
    static final long MSTATUS_TSR = 1L << 22;
    /** UXL and SXL: both 2 (XLEN 64), read-only. */
    static final long MSTATUS_UXL_SXL_64 = 2L << 32 | 2L << 34;
    static final long MSTATUS_SD = 1L << 63;

    /** FS (and XS/VS) value "Dirty". */
    static final int FS_OFF = 0;
    static final int FS_DIRTY = 3;

    /** What M-mode can write in mstatus (VS, XS, the endianness bits stay zero: no V, little-endian only). */
    static final long MSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP
            | MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW
            | MSTATUS_TSR;
    /** The mstatus fields sstatus shows (section 4.1.1). */
    static final long SSTATUS_VISIBLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM
            | MSTATUS_MXR | (3L << 32) | MSTATUS_SD;
    static final long SSTATUS_WRITABLE = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM
            | MSTATUS_MXR;

    // Interrupt numbers (mip/mie bits).
    static final int IRQ_SSI = 1;
    static final int IRQ_MSI = 3;
    static final int IRQ_STI = 5;
    static final int IRQ_MTI = 7;
    static final int IRQ_SEI = 9;
    static final int IRQ_MEI = 11;
    static final long MIP_SSIP = 1L << IRQ_SSI;
    static final long MIP_MSIP = 1L << IRQ_MSI;
    static final long MIP_STIP = 1L << IRQ_STI;
    static final long MIP_MTIP = 1L << IRQ_MTI;
    static final long MIP_SEIP = 1L << IRQ_SEI;
    static final long MIP_MEIP = 1L << IRQ_MEI;
    /** Interrupts that exist on this hart. */
    static final long ALL_INTERRUPTS = MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_MTIP | MIP_SEIP | MIP_MEIP;
    /** Interrupts mideleg can hand to S-mode. */
    static final long DELEGABLE_INTERRUPTS = MIP_SSIP | MIP_STIP | MIP_SEIP;
    /** mip bits M-mode software may write (the others mirror devices). */
    static final long MIP_WRITABLE = MIP_SSIP | MIP_STIP | MIP_SEIP;
    /** Exceptions medeleg can hand to S-mode: all but ECALL from M (section 3.1.8). */
    static final long DELEGABLE_EXCEPTIONS = 0xb3ffL;

    // satp.
    static final int SATP_MODE_SHIFT = 60;
    static final long SATP_MODE_BARE = 0;
    static final long SATP_MODE_SV39 = 8;
    static final long SATP_MODE_SV48 = 9;
    static final long SATP_PPN_MASK = (1L << 44) - 1;
    static final long SATP_ASID_MASK = 0xffffL << 44;

    // menvcfg / senvcfg: only FIOM exists without the cache-block and Svpbmt extensions.
    static final long ENVCFG_FIOM = 1;

    private Csr() {
    }
}
