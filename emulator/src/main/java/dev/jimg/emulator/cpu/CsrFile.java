package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Csr.*;

/**
 * Reads and writes of CSRs with the access rules of the Privileged ISA 1.12 (section 2.1: the
 * address encodes the lowest privilege and read-only-ness; counters are further gated by
 * {@code mcounteren}/{@code scounteren}, the FP CSRs by {@code mstatus.FS}, {@code satp} by
 * {@code TVM}). Unknown CSRs are illegal instructions.
 *
 * <p>What exists, as OpenSBI 1.1 and Linux 6.1 probe it: priv 1.12 ({@code menvcfg},
 * {@code senvcfg}, {@code mconfigptr}), {@code mcountinhibit}, the HPM counters and event
 * selectors as read-only zero (WARL, "no counters"), no Sstc ({@code stimecmp} is illegal, so the
 * S-mode timer goes through SBI), {@code satp} modes Bare, Sv39 and Sv48 with 16 ASID bits; a write
 * of any other mode leaves {@code satp} unchanged, as Linux's Sv57/Sv48/Sv39 probe expects.
 */
final class CsrFile {
    private final Hart h;
    private final Mmu mmu;
    private final HartTimer timer;

    CsrFile(Hart h, Mmu mmu, HartTimer timer) {
        this.h = h;
        this.mmu = mmu;
        this.timer = timer;
    }

    /** The caller puts the instruction bits into the trap value. */
    private Trap illegal() {
        return h.trap.raise(Trap.ILLEGAL_INSTRUCTION, 0);
    }

    /** Raises an illegal instruction unless the current mode may access {@code csr} this way. */
    void checkAccess(int csr, boolean write) {
        int lowest = (csr >>> 8) & 3;
        if (h.priv < lowest || (write && (csr >>> 10) == 3)) {
            throw illegal();
        }
        if (csr >= CYCLE && csr <= HPMCOUNTER31) {
            int bit = csr - CYCLE;
            if (h.priv < Hart.PRV_M && ((h.mcounteren >>> bit) & 1) == 0) {
                throw illegal();
            }
            if (h.priv == Hart.PRV_U && ((h.scounteren >>> bit) & 1) == 0) {
                throw illegal();
            }
        } else if (csr == FFLAGS || csr == FRM || csr == FCSR) {
            if (!h.fpEnabled()) {
                throw illegal();
            }
        } else if (csr == SATP && h.priv == Hart.PRV_S && (h.mstatus & MSTATUS_TVM) != 0) {
            throw illegal();
        }
    }

    long read(int csr) {
        return switch (csr) {
            case FFLAGS -> h.fpFlags.bits;
            case FRM -> h.frm;
            case FCSR -> h.frm << 5 | h.fpFlags.bits;
            case CYCLE, MCYCLE -> h.cycles.value(h.retired);
            case INSTRET, MINSTRET -> h.instret.value(h.retired);
            case TIME -> timer.mtime();
            case SSTATUS -> h.readMstatus() & SSTATUS_VISIBLE;
            case SIE -> h.mie & h.mideleg;
            case STVEC -> h.stvec;
            case SCOUNTEREN -> h.scounteren;
            case SENVCFG -> h.senvcfg;
            case SSCRATCH -> h.sscratch;
            case SEPC -> h.sepc;
            case SCAUSE -> h.scause;
            case STVAL -> h.stval;
            case SIP -> h.mip() & h.mideleg;
            case SATP -> h.satp;
            case MVENDORID, MARCHID, MIMPID, MCONFIGPTR -> 0;
            case MHARTID -> h.hartId;
            case MSTATUS -> h.readMstatus();
            case MISA -> Hart.MISA;
            case MEDELEG -> h.medeleg;
            case MIDELEG -> h.mideleg;
            case MIE -> h.mie;
            case MTVEC -> h.mtvec;
            case MCOUNTEREN -> h.mcounteren;
            case MENVCFG -> h.menvcfg;
            case MCOUNTINHIBIT -> h.mcountinhibit;
            case MSCRATCH -> h.mscratch;
            case MEPC -> h.mepc;
            case MCAUSE -> h.mcause;
            case MTVAL -> h.mtval;
            case MIP -> h.mip();
            default -> readOther(csr);
        };
    }

    private long readOther(int csr) {
        if ((csr >= HPMCOUNTER3 && csr <= HPMCOUNTER31) || (csr >= MHPMCOUNTER3 && csr <= MHPMCOUNTER31)
                || (csr >= MHPMEVENT3 && csr <= MHPMEVENT31)) {
            return 0;
        }
        if (csr >= PMPCFG0 && csr <= PMPCFG15) {
            int n = csr - PMPCFG0;
            if ((n & 1) != 0 || n >= Pmp.ENTRIES / 4) {
                throw illegal();
            }
            return mmu.pmp.readCfg(n);
        }
        if (csr >= PMPADDR0 && csr <= PMPADDR63) {
            int n = csr - PMPADDR0;
            if (n >= Pmp.ENTRIES) {
                throw illegal();
            }
            return mmu.pmp.readAddr(n);
        }
        throw illegal();
    }

    /**
     * The value CSRRS and CSRRC modify, given what the CSR read: for {@code mip} and {@code sip} that
     * is the software-written SEIP, not its OR with the PLIC's signal (section 3.1.9), or an
     * instruction clearing some other bit would latch a device interrupt that then never goes away.
     */
    long modifyBase(int csr, long readValue) {
        if (csr == MIP || csr == SIP) {
            return (readValue & ~MIP_SEIP) | (h.mipSoftware & MIP_SEIP);
        }
        return readValue;
    }

    void write(int csr, long v) {
        switch (csr) {
            case FFLAGS -> {
                h.fpFlags.bits = (int) v & 0x1f;
                h.markFpDirty();
            }
            case FRM -> {
                h.frm = (int) v & 7;
                h.markFpDirty();
            }
            case FCSR -> {
                h.fpFlags.bits = (int) v & 0x1f;
                h.frm = (int) (v >>> 5) & 7;
                h.markFpDirty();
            }
            case MCYCLE -> h.cycles.write(v, h.retired);
            case MINSTRET -> h.instret.write(v, h.retired);
            case SSTATUS -> writeMstatus((h.mstatus & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE));
            case SIE -> h.mie = (h.mie & ~h.mideleg) | (v & h.mideleg);
            case STVEC -> h.stvec = legalTvec(h.stvec, v);
            case SCOUNTEREN -> h.scounteren = v & 0xffff_ffffL;
            case SENVCFG -> h.senvcfg = v & ENVCFG_FIOM;
            case SSCRATCH -> h.sscratch = v;
            case SEPC -> h.sepc = v & ~1L;
            case SCAUSE -> h.scause = v;
            case STVAL -> h.stval = v;
            case SIP -> {
                long mask = MIP_SSIP & h.mideleg;
                h.mipSoftware = (h.mipSoftware & ~mask) | (v & mask);
            }
            case SATP -> writeSatp(v);
            case MSTATUS -> writeMstatus(v);
            case MISA -> {
                // WARL: the extensions cannot be switched off.
            }
            case MEDELEG -> h.medeleg = v & DELEGABLE_EXCEPTIONS;
            case MIDELEG -> h.mideleg = v & DELEGABLE_INTERRUPTS;
            case MIE -> h.mie = v & ALL_INTERRUPTS;
            case MTVEC -> h.mtvec = legalTvec(h.mtvec, v);
            case MCOUNTEREN -> h.mcounteren = v & 0xffff_ffffL;
            case MENVCFG -> h.menvcfg = v & ENVCFG_FIOM;
            case MCOUNTINHIBIT -> {
                h.mcountinhibit = v & 0b101;
                h.cycles.inhibit((v & 1) != 0, h.retired);
                h.instret.inhibit((v & 4) != 0, h.retired);
            }
            case MSCRATCH -> h.mscratch = v;
            case MEPC -> h.mepc = v & ~1L;
            case MCAUSE -> h.mcause = v;
            case MTVAL -> h.mtval = v;
            case MIP -> h.mipSoftware = (h.mipSoftware & ~MIP_WRITABLE) | (v & MIP_WRITABLE);
            default -> writeOther(csr, v);
        }
    }

    private void writeOther(int csr, long v) {
        if ((csr >= MHPMCOUNTER3 && csr <= MHPMCOUNTER31) || (csr >= MHPMEVENT3 && csr <= MHPMEVENT31)) {
            return;
        }
        if (csr >= PMPCFG0 && csr <= PMPCFG15) {
            int n = csr - PMPCFG0;
            if ((n & 1) != 0 || n >= Pmp.ENTRIES / 4) {
                throw illegal();
            }
            mmu.pmp.writeCfg(n, v);
            mmu.flushAll();
            return;
        }
        if (csr >= PMPADDR0 && csr <= PMPADDR63) {
            int n = csr - PMPADDR0;
            if (n >= Pmp.ENTRIES) {
                throw illegal();
            }
            mmu.pmp.writeAddr(n, v);
            mmu.flushAll();
            return;
        }
        throw illegal();
    }

    private void writeMstatus(long v) {
        long updated = (h.mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
        if ((updated & MSTATUS_MPP) == 2L << MSTATUS_MPP_SHIFT) {
            updated = (updated & ~MSTATUS_MPP) | (h.mstatus & MSTATUS_MPP);
        }
        h.mstatus = updated;
        mmu.modeChanged();
    }

    private void writeSatp(long v) {
        long mode = v >>> SATP_MODE_SHIFT;
        if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48) {
            return;
        }
        h.satp = v & (0xfL << SATP_MODE_SHIFT | SATP_ASID_MASK | SATP_PPN_MASK);
        mmu.flushTranslations();
    }

    /** mtvec/stvec: modes 2 and 3 are reserved; such a write is ignored, as QEMU does. */
    private static long legalTvec(long old, long v) {
        return (v & 3) < 2 ? v : old;
    }
}
