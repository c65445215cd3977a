package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Csr.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Executes what the interpreter's inner loop does not: fences, environment calls, trap returns,
 * WFI, {@code sfence.vma}, CSR instructions, LR/SC and AMOs. Called with {@code h.pc} at the instruction; leaves {@code h.pc} at the next one to run or
 * throws the hart's {@link Trap}.
 */
final class SystemUnit {
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // AMO funct5 values (Unprivileged ISA, chapter 8).
    private static final int AMOADD = 0x00;
    private static final int AMOSWAP = 0x01;
    private static final int AMOXOR = 0x04;
    private static final int AMOOR = 0x08;
    private static final int AMOAND = 0x0c;
    private static final int AMOMIN = 0x10;
    private static final int AMOMAX = 0x14;
    private static final int AMOMINU = 0x18;
    private static final int AMOMAXU = 0x1c;

    private final Hart h;
    private final Mmu mmu;
    private final CsrFile csrs;

    /** Set when the CPU loop should look before continuing (WFI executed, stop requested). */
    boolean yieldRequested;
    /** Set by WFI: the hart should sleep until an interrupt is pending. */
    boolean waiting;

    SystemUnit(Hart h, Mmu mmu, CsrFile csrs) {
        this.h = h;
        this.mmu = mmu;
        this.csrs = csrs;
    }

    void execute(long w) {
        int op = Op.op(w);
        int len = Op.length(w);
        switch (op) {
            case Op.FENCE -> {
                VarHandle.fullFence();
                h.pc += len;
            }
            case Op.FENCE_I -> {
                mmu.fenceI();
                h.pc += len;
            }
            case Op.ECALL -> throw h.trap.raise(Trap.ECALL_FROM_U + h.priv, 0);
            case Op.EBREAK -> throw h.trap.raise(Trap.BREAKPOINT, 0);
            case Op.MRET -> {
                if (h.priv != Hart.PRV_M) {
                    throw illegalAt(h.pc);
                }
                h.mret();
                mmu.modeChanged();
            }
            case Op.SRET -> {
                if (h.priv < Hart.PRV_S || (h.priv == Hart.PRV_S && (h.mstatus & MSTATUS_TSR) != 0)) {
                    throw illegalAt(h.pc);
                }
                h.sret();
                mmu.modeChanged();
            }
            case Op.WFI -> {
                if (h.priv == Hart.PRV_U || (h.priv == Hart.PRV_S && (h.mstatus & MSTATUS_TW) != 0)) {
                    throw illegalAt(h.pc);
                }
                h.pc += len;
                waiting = true;
                yieldRequested = true;
            }
            case Op.SFENCE_VMA -> {
                if (h.priv == Hart.PRV_U || (h.priv == Hart.PRV_S && (h.mstatus & MSTATUS_TVM) != 0)) {
                    throw illegalAt(h.pc);
                }
                int rs1 = Op.rs1(w);
                if (rs1 == 0) {
                    mmu.flushTranslations();
                } else {
                    mmu.flushPage(h.x[rs1]);
                }
                h.pc += len;
            }
            case Op.CSRRW, Op.CSRRS, Op.CSRRC, Op.CSRRWI, Op.CSRRSI, Op.CSRRCI -> csr(w, op);
            case Op.LR_W, Op.LR_D -> loadReserved(w, op == Op.LR_W ? 4 : 8);
            case Op.SC_W, Op.SC_D -> storeConditional(w, op == Op.SC_W ? 4 : 8);
            case Op.AMO_W, Op.AMO_D -> amo(w, op == Op.AMO_W ? 4 : 8);
            default -> throw new IllegalStateException("op " + op + " reached the system unit");
        }
    }

    private void csr(long w, int op) {
        int csr = Op.imm(w) & 0xfff;
        int rd = Op.rd(w);
        int rs1 = Op.rs1(w);
        boolean immediate = op >= Op.CSRRWI;
        long operand = immediate ? rs1 : h.x[rs1];
        int kind = immediate ? op - Op.CSRRWI : op - Op.CSRRW;
        boolean writes = kind == 0 || rs1 != 0;
        try {
            csrs.checkAccess(csr, writes);
            long old = kind == 0 && rd == 0 ? 0 : csrs.read(csr);
            if (writes) {
                long base = csrs.modifyBase(csr, old);
                long value = switch (kind) {
                    case 0 -> operand;
                    case 1 -> base | operand;
                    default -> base & ~operand;
                };
                csrs.write(csr, value);
            }
            h.x[Op.xd(rd)] = old;
        } catch (Trap t) {
            if (t.cause == Trap.ILLEGAL_INSTRUCTION) {
                throw illegalAt(h.pc);
            }
            throw t;
        }
        h.pc += Op.length(w);
    }

    private void loadReserved(long w, int size) {
        long va = h.x[Op.rs1(w)];
        Tlb d = mmu.data;
        int i = (int) (va >>> 12) & Tlb.MASK;
        long v;
        if (d.readTag[i] == va >>> 12 && (va & (size - 1)) == 0) {
            int host = (int) (va + d.readAddend[i]);
            byte[] chunk = d.readHost[i];
            v = size == 4 ? (int) I32.get(chunk, host) : (long) I64.get(chunk, host);
        } else {
            long pa = mmu.translateReserved(va, size);
            v = mmu.readPhysical(pa, size, va, Trap.LOAD_ACCESS_FAULT);
        }
        h.x[Op.rd(w)] = size == 4 ? (int) v : v;
        h.reservation = va;
        h.pc += Op.length(w);
    }

    private void storeConditional(long w, int size) {
        long va = h.x[Op.rs1(w)];
        long value = h.x[Op.rs2(w)];
        Tlb d = mmu.data;
        int i = (int) (va >>> 12) & Tlb.MASK;
        if (h.reservation != va) {
            h.x[Op.rd(w)] = 1;
        } else if (d.writeTag[i] == va >>> 12 && (va & (size - 1)) == 0) {
            int host = (int) (va + d.writeAddend[i]);
            if (size == 4) {
                I32.set(d.writeHost[i], host, (int) value);
            } else {
                I64.set(d.writeHost[i], host, value);
            }
            h.x[Op.rd(w)] = 0;
        } else {
            long pa = mmu.translateAtomic(va, size);
            mmu.writePhysical(pa, size, value, va);
            h.x[Op.rd(w)] = 0;
        }
        h.reservation = -1;
        h.pc += Op.length(w);
    }

    private void amo(long w, int size) {
        long va = h.x[Op.rs1(w)];
        long src = h.x[Op.rs2(w)];
        int funct = Op.imm(w);
        Tlb d = mmu.data;
        int i = (int) (va >>> 12) & Tlb.MASK;
        long old;
        if (d.writeTag[i] == va >>> 12 && (va & (size - 1)) == 0) {
            byte[] ram = d.writeHost[i];
            int host = (int) (va + d.writeAddend[i]);
            if (size == 4) {
                old = (int) I32.get(ram, host);
                I32.set(ram, host, (int) combine(funct, old, (int) src, true));
            } else {
                old = (long) I64.get(ram, host);
                I64.set(ram, host, combine(funct, old, src, false));
            }
        } else {
            long pa = mmu.translateAtomic(va, size);
            long raw = mmu.readPhysical(pa, size, va, Trap.STORE_ACCESS_FAULT);
            old = size == 4 ? (int) raw : raw;
            long operand = size == 4 ? (int) src : src;
            mmu.writePhysical(pa, size, combine(funct, old, operand, size == 4), va);
        }
        h.x[Op.rd(w)] = old;
        h.pc += Op.length(w);
    }

    /** The value an AMO stores; for words both operands arrive sign-extended from 32 bits. */
    private static long combine(int funct, long old, long src, boolean word) {
        return switch (funct) {
            case AMOSWAP -> src;
            case AMOADD -> old + src;
            case AMOXOR -> old ^ src;
            case AMOOR -> old | src;
            case AMOAND -> old & src;
            case AMOMIN -> Math.min(old, src);
            case AMOMAX -> Math.max(old, src);
            case AMOMINU -> word ? (Integer.compareUnsigned((int) old, (int) src) <= 0 ? old : src)
                    : (Long.compareUnsigned(old, src) <= 0 ? old : src);
            case AMOMAXU -> word ? (Integer.compareUnsigned((int) old, (int) src) >= 0 ? old : src)
                    : (Long.compareUnsigned(old, src) >= 0 ? old : src);
            default -> throw new IllegalStateException("AMO funct5 " + funct + " passed the decoder");
        };
    }

    /** An illegal-instruction trap whose {@code mtval} is the instruction at {@code pc}, as QEMU 7.2. */
    Trap illegalAt(long pc) {
        long bits;
        try {
            int low = mmu.fetchParcel(pc);
            bits = (low & 3) == 3 ? (low | (long) mmu.fetchParcel(pc + 2) << 16) & 0xffff_ffffL : low;
        } catch (Trap t) {
            bits = 0;
        }
        return h.trap.raise(Trap.ILLEGAL_INSTRUCTION, bits);
    }
}
