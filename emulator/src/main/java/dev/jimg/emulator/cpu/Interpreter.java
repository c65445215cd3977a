package dev.jimg.emulator.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Executes decoded instructions. This is the hot loop of the emulator and is written for the JIT:
 *
 * <ul>
 *   <li>Instructions are decoded once per physical page into op words ({@link Op}) kept in the
 *       page's slots; the loop indexes them by {@code pc} and switches on a dense opcode.</li>
 *   <li>Loads and stores look up the current {@link Tlb} context and, on a hit, access the RAM
 *       byte array directly; misses go to {@link Mmu}.</li>
 *   <li>Architectural state that changes rarely (TLB context, FS, privilege) is copied into locals;
 *       every instruction that can change it leaves the inner loop ("system" ops: CSR access,
 *       traps, returns, fences, atomics), runs out of line in {@link SystemUnit}, and the locals
 *       are reloaded. Floating point runs out of line in {@link FpUnit} without leaving. Pending interrupts are taken at those points and at the start
 *       of every slice.</li>
 *   <li>No allocation per instruction; guest exceptions are the hart's one reused {@link Trap}.</li>
 * </ul>
 *
 * The method {@link #run} must stay below HotSpot's limit for compiling huge methods (8000 bytes of
 * bytecode), which is why everything rare lives elsewhere.
 */
final class Interpreter {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long PAGE_MASK = ~0xfffL;

    private final Hart h;
    private final Mmu mmu;
    private final SystemUnit sys;
    private final FpUnit fpu;

    Interpreter(Hart h, Mmu mmu, SystemUnit sys, FpUnit fpu) {
        this.h = h;
        this.mmu = mmu;
        this.sys = sys;
        this.fpu = fpu;
    }

    /**
     * Runs until {@code budget} instructions have retired or a system op asks the CPU loop to look
     * (WFI, power-off). Returns the number retired.
     */
    long run(long budget) {
        long done = 0;
        while (done < budget) {
            takeInterrupt();
            done += runInner(budget - done);
            if (sys.yieldRequested) {
                sys.yieldRequested = false;
                break;
            }
        }
        return done;
    }

    /** Takes the highest-priority pending and enabled interrupt, if any. */
    void takeInterrupt() {
        int irq = h.pendingInterrupt();
        if (irq >= 0) {
            h.enterTrap(irq, 0, true);
            h.reservation = -1;
            mmu.modeChanged();
        }
    }

    private long runInner(long limit) {
        final Hart h = this.h;
        final long[] x = h.x;
        final Tlb d = mmu.data;
        final long[] rTag = d.readTag;
        final long[] rAdd = d.readAddend;
        final long[] wTag = d.writeTag;
        final long[] wAdd = d.writeAddend;
        final byte[][] rHost = d.readHost;
        final byte[][] wHost = d.writeHost;
        final Tlb f = mmu.fetch;
        final long[] fTag = f.fetchTag;
        final CodePage[] fPage = f.fetchPage;
        final boolean fpOn = h.fpEnabled();
        long pc = h.pc;
        long n = 0;
        long pageVa = -1;
        CodePage page = null;
        long[] slots = null;
        long w = 0;
        boolean system = false;
        try {
            inner:
            while (n < limit) {
                if ((pc & PAGE_MASK) != pageVa) {
                    int fi = (int) (pc >>> 12) & Tlb.MASK;
                    if (fTag[fi] == pc >>> 12) {
                        page = fPage[fi];
                        pageVa = pc & PAGE_MASK;
                    } else {
                        page = mmu.fetchPage(pc);
                        pageVa = mmu.fetchPageUniform ? pc & PAGE_MASK : -1;
                    }
                    slots = page.slots();
                }
                int idx = (int) (pc >>> 1) & 0x7ff;
                w = slots[idx];
                if (w == 0) {
                    w = decode(page, pc, idx);
                }
                final int rd = (int) (w >>> 8) & 0x3f;
                final int rs1 = (int) (w >>> 14) & 0x1f;
                final int rs2 = (int) (w >>> 19) & 0x1f;
                final int len = (int) (w >>> 24) & 7;
                final long imm = w >> 32;
                switch ((int) w & 0xff) {
                    case Op.LUI -> {
                        x[rd] = imm;
                        pc += len;
                    }
                    case Op.AUIPC -> {
                        x[rd] = pc + imm;
                        pc += len;
                    }
                    case Op.JAL -> {
                        x[rd] = pc + len;
                        pc += imm;
                    }
                    case Op.JALR -> {
                        long target = (x[rs1] + imm) & ~1L;
                        x[rd] = pc + len;
                        pc = target;
                    }
                    case Op.BEQ -> pc += x[rs1] == x[rs2] ? imm : len;
                    case Op.BNE -> pc += x[rs1] != x[rs2] ? imm : len;
                    case Op.BLT -> pc += x[rs1] < x[rs2] ? imm : len;
                    case Op.BGE -> pc += x[rs1] >= x[rs2] ? imm : len;
                    case Op.BLTU -> pc += Long.compareUnsigned(x[rs1], x[rs2]) < 0 ? imm : len;
                    case Op.BGEU -> pc += Long.compareUnsigned(x[rs1], x[rs2]) >= 0 ? imm : len;
                    case Op.LB -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        x[rd] = rTag[i] == va >>> 12 ? rHost[i][(int) (va + rAdd[i])] : (byte) mmu.load(va, 1);
                        pc += len;
                    }
                    case Op.LBU -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        x[rd] = rTag[i] == va >>> 12 ? rHost[i][(int) (va + rAdd[i])] & 0xffL : mmu.load(va, 1);
                        pc += len;
                    }
                    case Op.LH -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        x[rd] = rTag[i] == va >>> 12 && (va & 0xfff) <= 0xffe
                                ? (short) I16.get(rHost[i], (int) (va + rAdd[i])) : (short) mmu.load(va, 2);
                        pc += len;
                    }
                    case Op.LHU -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        x[rd] = rTag[i] == va >>> 12 && (va & 0xfff) <= 0xffe
                                ? (short) I16.get(rHost[i], (int) (va + rAdd[i])) & 0xffffL : mmu.load(va, 2);
                        pc += len;
                    }
                    case Op.LW -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        x[rd] = rTag[i] == va >>> 12 && (va & 0xfff) <= 0xffc
                                ? (int) I32.get(rHost[i], (int) (va + rAdd[i])) : (int) mmu.load(va, 4);
                        pc += len;
                    }
                    case Op.LWU -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        x[rd] = rTag[i] == va >>> 12 && (va & 0xfff) <= 0xffc
                                ? (int) I32.get(rHost[i], (int) (va + rAdd[i])) & 0xffff_ffffL : mmu.load(va, 4);
                        pc += len;
                    }
                    case Op.LD -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        x[rd] = rTag[i] == va >>> 12 && (va & 0xfff) <= 0xff8
                                ? (long) I64.get(rHost[i], (int) (va + rAdd[i])) : mmu.load(va, 8);
                        pc += len;
                    }
                    case Op.SB -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        if (wTag[i] == va >>> 12) {
                            wHost[i][(int) (va + wAdd[i])] = (byte) x[rs2];
                            pc += len;
                        } else {
                            boolean device = mmu.store(va, 1, x[rs2]);
                            pc += len;
                            if (device) {
                                n++;
                                break inner;
                            }
                        }
                    }
                    case Op.SH -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        if (wTag[i] == va >>> 12 && (va & 0xfff) <= 0xffe) {
                            I16.set(wHost[i], (int) (va + wAdd[i]), (short) x[rs2]);
                            pc += len;
                        } else {
                            boolean device = mmu.store(va, 2, x[rs2]);
                            pc += len;
                            if (device) {
                                n++;
                                break inner;
                            }
                        }
                    }
                    case Op.SW -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        if (wTag[i] == va >>> 12 && (va & 0xfff) <= 0xffc) {
                            I32.set(wHost[i], (int) (va + wAdd[i]), (int) x[rs2]);
                            pc += len;
                        } else {
                            boolean device = mmu.store(va, 4, x[rs2]);
                            pc += len;
                            if (device) {
                                n++;
                                break inner;
                            }
                        }
                    }
                    case Op.SD -> {
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        if (wTag[i] == va >>> 12 && (va & 0xfff) <= 0xff8) {
                            I64.set(wHost[i], (int) (va + wAdd[i]), x[rs2]);
                            pc += len;
                        } else {
                            boolean device = mmu.store(va, 8, x[rs2]);
                            pc += len;
                            if (device) {
                                n++;
                                break inner;
                            }
                        }
                    }
                    case Op.FLD -> {
                        if (!fpOn) {
                            throw sys.illegalAt(pc);
                        }
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        h.f[rd] = rTag[i] == va >>> 12 && (va & 0xfff) <= 0xff8
                                ? (long) I64.get(rHost[i], (int) (va + rAdd[i])) : mmu.load(va, 8);
                        h.mstatus |= Csr.MSTATUS_FS;
                        pc += len;
                    }
                    case Op.FLW -> {
                        if (!fpOn) {
                            throw sys.illegalAt(pc);
                        }
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        long bits = rTag[i] == va >>> 12 && (va & 0xfff) <= 0xffc
                                ? (int) I32.get(rHost[i], (int) (va + rAdd[i])) & 0xffff_ffffL : mmu.load(va, 4);
                        h.f[rd] = bits | 0xffff_ffff_0000_0000L;
                        h.mstatus |= Csr.MSTATUS_FS;
                        pc += len;
                    }
                    case Op.FSD -> {
                        if (!fpOn) {
                            throw sys.illegalAt(pc);
                        }
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        if (wTag[i] == va >>> 12 && (va & 0xfff) <= 0xff8) {
                            I64.set(wHost[i], (int) (va + wAdd[i]), h.f[rs2]);
                            pc += len;
                        } else {
                            boolean device = mmu.store(va, 8, h.f[rs2]);
                            pc += len;
                            if (device) {
                                n++;
                                break inner;
                            }
                        }
                    }
                    case Op.FSW -> {
                        if (!fpOn) {
                            throw sys.illegalAt(pc);
                        }
                        long va = x[rs1] + imm;
                        int i = (int) (va >>> 12) & Tlb.MASK;
                        if (wTag[i] == va >>> 12 && (va & 0xfff) <= 0xffc) {
                            I32.set(wHost[i], (int) (va + wAdd[i]), (int) h.f[rs2]);
                            pc += len;
                        } else {
                            boolean device = mmu.store(va, 4, h.f[rs2]);
                            pc += len;
                            if (device) {
                                n++;
                                break inner;
                            }
                        }
                    }
                    case Op.ADDI -> {
                        x[rd] = x[rs1] + imm;
                        pc += len;
                    }
                    case Op.SLTI -> {
                        x[rd] = x[rs1] < imm ? 1 : 0;
                        pc += len;
                    }
                    case Op.SLTIU -> {
                        x[rd] = Long.compareUnsigned(x[rs1], imm) < 0 ? 1 : 0;
                        pc += len;
                    }
                    case Op.XORI -> {
                        x[rd] = x[rs1] ^ imm;
                        pc += len;
                    }
                    case Op.ORI -> {
                        x[rd] = x[rs1] | imm;
                        pc += len;
                    }
                    case Op.ANDI -> {
                        x[rd] = x[rs1] & imm;
                        pc += len;
                    }
                    case Op.SLLI -> {
                        x[rd] = x[rs1] << imm;
                        pc += len;
                    }
                    case Op.SRLI -> {
                        x[rd] = x[rs1] >>> imm;
                        pc += len;
                    }
                    case Op.SRAI -> {
                        x[rd] = x[rs1] >> imm;
                        pc += len;
                    }
                    case Op.ADD -> {
                        x[rd] = x[rs1] + x[rs2];
                        pc += len;
                    }
                    case Op.SUB -> {
                        x[rd] = x[rs1] - x[rs2];
                        pc += len;
                    }
                    case Op.SLL -> {
                        x[rd] = x[rs1] << x[rs2];
                        pc += len;
                    }
                    case Op.SLT -> {
                        x[rd] = x[rs1] < x[rs2] ? 1 : 0;
                        pc += len;
                    }
                    case Op.SLTU -> {
                        x[rd] = Long.compareUnsigned(x[rs1], x[rs2]) < 0 ? 1 : 0;
                        pc += len;
                    }
                    case Op.XOR -> {
                        x[rd] = x[rs1] ^ x[rs2];
                        pc += len;
                    }
                    case Op.SRL -> {
                        x[rd] = x[rs1] >>> x[rs2];
                        pc += len;
                    }
                    case Op.SRA -> {
                        x[rd] = x[rs1] >> x[rs2];
                        pc += len;
                    }
                    case Op.OR -> {
                        x[rd] = x[rs1] | x[rs2];
                        pc += len;
                    }
                    case Op.AND -> {
                        x[rd] = x[rs1] & x[rs2];
                        pc += len;
                    }
                    case Op.ADDIW -> {
                        x[rd] = (int) (x[rs1] + imm);
                        pc += len;
                    }
                    case Op.SLLIW -> {
                        x[rd] = (int) x[rs1] << imm;
                        pc += len;
                    }
                    case Op.SRLIW -> {
                        x[rd] = (int) x[rs1] >>> imm;
                        pc += len;
                    }
                    case Op.SRAIW -> {
                        x[rd] = (int) x[rs1] >> imm;
                        pc += len;
                    }
                    case Op.ADDW -> {
                        x[rd] = (int) (x[rs1] + x[rs2]);
                        pc += len;
                    }
                    case Op.SUBW -> {
                        x[rd] = (int) (x[rs1] - x[rs2]);
                        pc += len;
                    }
                    case Op.SLLW -> {
                        x[rd] = (int) x[rs1] << x[rs2];
                        pc += len;
                    }
                    case Op.SRLW -> {
                        x[rd] = (int) x[rs1] >>> x[rs2];
                        pc += len;
                    }
                    case Op.SRAW -> {
                        x[rd] = (int) x[rs1] >> x[rs2];
                        pc += len;
                    }
                    case Op.MUL -> {
                        x[rd] = x[rs1] * x[rs2];
                        pc += len;
                    }
                    case Op.MULW -> {
                        x[rd] = (int) x[rs1] * (int) x[rs2];
                        pc += len;
                    }
                    case Op.MULH, Op.MULHSU, Op.MULHU, Op.DIV, Op.DIVU, Op.REM, Op.REMU, Op.DIVW, Op.DIVUW, Op.REMW,
                            Op.REMUW -> {
                        x[rd] = MulDiv.compute((int) w & 0xff, x[rs1], x[rs2]);
                        pc += len;
                    }
                    case Op.ILLEGAL -> throw h.trap.raise(Trap.ILLEGAL_INSTRUCTION, imm & 0xffff_ffffL);
                    default -> {
                        if (((int) w & 0xff) >= Op.FIRST_FP) {
                            fpu.execute(w, pc);
                            pc += len;
                        } else {
                            system = true;
                            break inner;
                        }
                    }
                }
                n++;
            }
        } catch (Trap t) {
            h.pc = pc;
            h.retired += n;
            enterTrap(t);
            return n;
        }
        h.pc = pc;
        h.retired += n;
        if (system) {
            try {
                sys.execute(w);
                h.retired++;
                n++;
            } catch (Trap t) {
                enterTrap(t);
            }
        }
        return n;
    }

    private void enterTrap(Trap t) {
        h.enterTrap(t.cause, t.tval, false);
        mmu.modeChanged();
    }

    /** Decodes the instruction at {@code pc} and caches it unless it crosses into the next page. */
    private long decode(CodePage page, long pc, int idx) {
        byte[] mem = page.chunk();
        int offset = page.base() + (idx << 1);
        int low = (short) I16.get(mem, offset) & 0xffff;
        long w;
        if ((low & 3) != 3) {
            w = CompressedDecoder.decode(low);
        } else if (idx == page.slots().length - 1) {
            int high = mmu.fetchParcel(pc + 2);
            return Decoder.decode(low | high << 16);
        } else {
            w = Decoder.decode((int) I32.get(mem, offset));
        }
        page.slots()[idx] = w;
        return w;
    }
}
