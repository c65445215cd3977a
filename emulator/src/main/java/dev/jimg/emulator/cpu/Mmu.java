package dev.jimg.emulator.cpu;

import static dev.jimg.emulator.cpu.Csr.*;

import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.BusErrorException;
import dev.jimg.emulator.memory.FlatRange;
import dev.jimg.emulator.memory.RamRegion;

/**
 * Address translation and the slow path of every memory access: Sv39 and Sv48 page-table walks
 * with hardware A/D updates (Privileged ISA 1.12, section 4.3.2 and 4.4), PMP checks, bus
 * dispatch, and the software TLBs that let the interpreter skip all of it for RAM.
 *
 * <p>There is one {@link Tlb} per translation context, as QEMU's MMU indexes: M (no translation),
 * S, S with SUM set (Linux flips SUM around every user copy, so it must not flush), and U. Data
 * accesses use the context of the effective privilege ({@code mstatus.MPRV}); fetches that of the
 * current privilege. {@code satp} writes and {@code sfence.vma} flush the translated contexts;
 * MXR and PMP changes flush everything.
 */
final class Mmu {
    static final int READ = 0;
    static final int WRITE = 1;
    static final int EXECUTE = 2;

    private static final int PAGE_SHIFT = 12;
    private static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    private static final long PAGE_OFFSET = PAGE_SIZE - 1;
    private static final int CONTEXT_M = 0;
    private static final int CONTEXT_S = 1;
    private static final int CONTEXT_S_SUM = 2;
    private static final int CONTEXT_U = 3;

    // Page-table entry bits (section 4.3.1).
    private static final long PTE_V = 1;
    private static final long PTE_R = 2;
    private static final long PTE_W = 4;
    private static final long PTE_X = 8;
    private static final long PTE_U = 16;
    private static final long PTE_A = 64;
    private static final long PTE_D = 128;
    /** Bits 63:54: reserved (no Svnapot or Svpbmt), a walk that finds them set faults, as QEMU 7.2. */
    private static final long PTE_RESERVED = 0x3ffL << 54;
    private static final int PTE_PPN_SHIFT = 10;
    private static final long PTE_PPN_MASK = (1L << 44) - 1;

    private final Hart h;
    private final AddressSpace bus;
    private final RamRegion ram;
    final Pmp pmp = new Pmp();
    private final Tlb[] contexts = {new Tlb(), new Tlb(), new Tlb(), new Tlb()};
    /** The regions code was fetched from, for {@code fence.i}. */
    private final java.util.List<RamRegion> codeRegions = new java.util.ArrayList<>();

    /** The context data accesses use now. */
    Tlb data;
    /** The context fetches use now. */
    Tlb fetch;
    /** Whether the last {@link #fetchPage} result may be reused for the whole page. */
    boolean fetchPageUniform;
    private long lastMxr;

    Mmu(Hart h, AddressSpace bus, RamRegion ram) {
        this.h = h;
        this.bus = bus;
        this.ram = ram;
        bus.addLayoutListener(this::flushAll);
        modeChanged();
    }

    /** Re-selects the TLB contexts after a change of privilege or mstatus. */
    void modeChanged() {
        long mxr = h.mstatus & MSTATUS_MXR;
        if (mxr != lastMxr) {
            lastMxr = mxr;
            flushAll();
        }
        data = contexts[context(h.dataPrivilege(), (h.mstatus & MSTATUS_SUM) != 0)];
        fetch = contexts[context(h.priv, false)];
    }

    private static int context(int priv, boolean sum) {
        return switch (priv) {
            case Hart.PRV_M -> CONTEXT_M;
            case Hart.PRV_S -> sum ? CONTEXT_S_SUM : CONTEXT_S;
            default -> CONTEXT_U;
        };
    }

    /** satp write or {@code sfence.vma} without an address: forget every translation. */
    void flushTranslations() {
        contexts[CONTEXT_S].flush();
        contexts[CONTEXT_S_SUM].flush();
        contexts[CONTEXT_U].flush();
    }

    /** {@code sfence.vma} with an address. */
    void flushPage(long va) {
        long vpn = va >>> PAGE_SHIFT;
        for (int c = CONTEXT_S; c <= CONTEXT_U; c++) {
            contexts[c].flushPage(vpn);
        }
    }

    /** PMP, MXR or memory layout changed: nothing cached can be trusted. */
    void flushAll() {
        for (Tlb t : contexts) {
            t.flush();
        }
    }

    private void flushWrites() {
        for (Tlb t : contexts) {
            t.flushWrites();
        }
    }

    /** {@code fence.i}: the CPU's own stores already invalidate decoded code; device writes may not have. */
    void fenceI() {
        for (RamRegion region : codeRegions) {
            region.revalidateCode();
        }
    }

    // ---- data accesses -------------------------------------------------------------------------

    /** A load the TLB did not serve: the value zero-extended. */
    long load(long va, int size) {
        if ((va & PAGE_OFFSET) + size > PAGE_SIZE) {
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= load(va + i, 1) << (8 * i);
            }
            return v;
        }
        int priv = h.dataPrivilege();
        long pa = translate(va, READ, priv);
        if (!pmp.allows(pa, size, Pmp.R, priv)) {
            throw h.trap.raise(Trap.LOAD_ACCESS_FAULT, va);
        }
        long host = ramPage(bus.find(pa), pa);
        if (host >= 0 && pmp.allows(pa & ~PAGE_OFFSET, PAGE_SIZE, Pmp.R, priv)) {
            int i = (int) (va >>> PAGE_SHIFT) & Tlb.MASK;
            data.readHost[i] = ram.chunk(host);
            data.readAddend[i] = RamRegion.inChunk(host) - (va & ~PAGE_OFFSET);
            data.readTag[i] = va >>> PAGE_SHIFT;
        }
        try {
            return bus.read(pa, size);
        } catch (BusErrorException e) {
            throw h.trap.raise(Trap.LOAD_ACCESS_FAULT, va);
        }
    }

    /**
     * A store the TLB did not serve. Returns whether it reached something other than RAM, after
     * which the interpreter ends its slice so that device side effects (interrupts, power-off) are
     * seen at once.
     */
    boolean store(long va, int size, long value) {
        if ((va & PAGE_OFFSET) + size > PAGE_SIZE) {
            for (int i = 0; i < size; i++) {
                storeCheck(va + i);
            }
            boolean device = false;
            for (int i = 0; i < size; i++) {
                device |= store(va + i, 1, value >>> (8 * i));
            }
            return device;
        }
        int priv = h.dataPrivilege();
        long pa = translate(va, WRITE, priv);
        if (!pmp.allows(pa, size, Pmp.W, priv)) {
            throw h.trap.raise(Trap.STORE_ACCESS_FAULT, va);
        }
        FlatRange r = bus.find(pa);
        boolean isRam = r != null && r.leaf() instanceof RamRegion;
        long host = ramPage(r, pa);
        if (host >= 0 && !ram.isCode((int) (host >>> PAGE_SHIFT))
                && pmp.allows(pa & ~PAGE_OFFSET, PAGE_SIZE, Pmp.W, priv)) {
            int i = (int) (va >>> PAGE_SHIFT) & Tlb.MASK;
            data.writeHost[i] = ram.chunk(host);
            data.writeAddend[i] = RamRegion.inChunk(host) - (va & ~PAGE_OFFSET);
            data.writeTag[i] = va >>> PAGE_SHIFT;
        }
        try {
            bus.write(pa, size, value);
        } catch (BusErrorException e) {
            throw h.trap.raise(Trap.STORE_ACCESS_FAULT, va);
        }
        return !isRam;
    }

    /**
     * The offset in main RAM of the page holding {@code pa}, or -1 unless that whole page is main
     * RAM (only then may a TLB entry point into it).
     */
    private long ramPage(FlatRange r, long pa) {
        long page = pa & ~PAGE_OFFSET;
        if (r == null || r.leaf() != ram || !r.contains(page) || !r.contains(page | PAGE_OFFSET)) {
            return -1;
        }
        return r.offsetOf(page);
    }

    /** Faults now if a byte of a page-crossing store could not be written, so none is written. */
    private void storeCheck(long va) {
        int priv = h.dataPrivilege();
        long pa = translate(va, WRITE, priv);
        if (!pmp.allows(pa, 1, Pmp.W, priv) || bus.find(pa) == null) {
            throw h.trap.raise(Trap.STORE_ACCESS_FAULT, va);
        }
    }

    /**
     * The physical address for an atomic read-modify-write (or SC) of {@code size} bytes: aligned,
     * writable and readable, else the store/AMO fault the instruction raises.
     */
    long translateAtomic(long va, int size) {
        if ((va & (size - 1)) != 0) {
            throw h.trap.raise(Trap.STORE_MISALIGNED, va);
        }
        int priv = h.dataPrivilege();
        long pa = translate(va, WRITE, priv);
        if (!pmp.allows(pa, size, Pmp.W, priv) || !pmp.allows(pa, size, Pmp.R, priv)) {
            throw h.trap.raise(Trap.STORE_ACCESS_FAULT, va);
        }
        return pa;
    }

    /** The physical address for a load-reserved. */
    long translateReserved(long va, int size) {
        if ((va & (size - 1)) != 0) {
            throw h.trap.raise(Trap.LOAD_MISALIGNED, va);
        }
        int priv = h.dataPrivilege();
        long pa = translate(va, READ, priv);
        if (!pmp.allows(pa, size, Pmp.R, priv)) {
            throw h.trap.raise(Trap.LOAD_ACCESS_FAULT, va);
        }
        return pa;
    }

    long readPhysical(long pa, int size, long va, int faultCause) {
        try {
            return bus.read(pa, size);
        } catch (BusErrorException e) {
            throw h.trap.raise(faultCause, va);
        }
    }

    void writePhysical(long pa, int size, long value, long va) {
        try {
            bus.write(pa, size, value);
        } catch (BusErrorException e) {
            throw h.trap.raise(Trap.STORE_ACCESS_FAULT, va);
        }
    }

    // ---- instruction fetch ---------------------------------------------------------------------

    /** The code page holding {@code pc}, translated and checked for execution. */
    CodePage fetchPage(long pc) {
        long vpn = pc >>> PAGE_SHIFT;
        int i = (int) vpn & Tlb.MASK;
        Tlb t = fetch;
        if (t.fetchTag[i] == vpn) {
            fetchPageUniform = true;
            return t.fetchPage[i];
        }
        int priv = h.priv;
        long pa = translate(pc, EXECUTE, priv);
        if (!pmp.allows(pa, 2, Pmp.X, priv)) {
            throw h.trap.raise(Trap.INSTRUCTION_ACCESS_FAULT, pc);
        }
        FlatRange r = bus.find(pa);
        if (r == null || !(r.leaf() instanceof RamRegion region)) {
            throw h.trap.raise(Trap.INSTRUCTION_ACCESS_FAULT, pc);
        }
        long offset = r.offsetOf(pa) & ~PAGE_OFFSET;
        int page = (int) (offset >>> PAGE_SHIFT);
        CodePage cp = new CodePage(region.chunk(offset), RamRegion.inChunk(offset), region.decodedPage(page));
        if (region.markCode(page)) {
            flushWrites();
            if (!codeRegions.contains(region)) {
                codeRegions.add(region);
            }
        }
        fetchPageUniform = pmp.allows(pa & ~PAGE_OFFSET, PAGE_SIZE, Pmp.X, priv)
                && r.contains(pa & ~PAGE_OFFSET) && r.contains(pa | PAGE_OFFSET);
        if (fetchPageUniform) {
            t.fetchTag[i] = vpn;
            t.fetchPage[i] = cp;
        }
        return cp;
    }

    /** The 16-bit parcel at {@code va} (the second half of an instruction crossing a page). */
    int fetchParcel(long va) {
        int priv = h.priv;
        long pa = translate(va, EXECUTE, priv);
        if (!pmp.allows(pa, 2, Pmp.X, priv)) {
            throw h.trap.raise(Trap.INSTRUCTION_ACCESS_FAULT, va);
        }
        FlatRange r = bus.find(pa);
        if (r == null || !(r.leaf() instanceof RamRegion region)) {
            throw h.trap.raise(Trap.INSTRUCTION_ACCESS_FAULT, va);
        }
        return (int) region.read(r.offsetOf(pa), 2);
    }

    // ---- translation ---------------------------------------------------------------------------

    /** The physical address of {@code va} for {@code access} from {@code priv}, or a page fault. */
    long translate(long va, int access, int priv) {
        long mode = h.satp >>> SATP_MODE_SHIFT;
        if (priv == Hart.PRV_M || mode == SATP_MODE_BARE) {
            return va;
        }
        int levels = mode == SATP_MODE_SV48 ? 4 : 3;
        int vaBits = PAGE_SHIFT + 9 * levels;
        if ((va << (64 - vaBits)) >> (64 - vaBits) != va) {
            throw pageFault(access, va);
        }
        long table = (h.satp & SATP_PPN_MASK) << PAGE_SHIFT;
        for (int level = levels - 1; level >= 0; level--) {
            long vpn = (va >>> (PAGE_SHIFT + 9 * level)) & 0x1ff;
            long pteAddr = table + vpn * 8;
            if (!pmp.allows(pteAddr, 8, Pmp.R, Hart.PRV_S)) {
                throw accessFault(access, va);
            }
            long pte = readPhysical(pteAddr, 8, va, accessFaultCause(access));
            if ((pte & PTE_V) == 0 || (pte & (PTE_R | PTE_W)) == PTE_W || (pte & PTE_RESERVED) != 0) {
                throw pageFault(access, va);
            }
            long ppn = (pte >>> PTE_PPN_SHIFT) & PTE_PPN_MASK;
            if ((pte & (PTE_R | PTE_X)) == 0) {
                table = ppn << PAGE_SHIFT;
                continue;
            }
            checkLeaf(pte, access, priv, va);
            if (level > 0 && (ppn & ((1L << (9 * level)) - 1)) != 0) {
                throw pageFault(access, va);
            }
            long wanted = PTE_A | (access == WRITE ? PTE_D : 0);
            if ((pte & wanted) != wanted) {
                if (!pmp.allows(pteAddr, 8, Pmp.W, Hart.PRV_S)) {
                    throw accessFault(access, va);
                }
                writePhysical(pteAddr, 8, pte | wanted, va);
            }
            long offsetMask = (1L << (PAGE_SHIFT + 9 * level)) - 1;
            return ((ppn << PAGE_SHIFT) & ~offsetMask) | (va & offsetMask);
        }
        throw pageFault(access, va);
    }

    private void checkLeaf(long pte, int access, int priv, long va) {
        boolean userPage = (pte & PTE_U) != 0;
        if (priv == Hart.PRV_U && !userPage) {
            throw pageFault(access, va);
        }
        if (priv == Hart.PRV_S && userPage && (access == EXECUTE || (h.mstatus & MSTATUS_SUM) == 0)) {
            throw pageFault(access, va);
        }
        boolean allowed = switch (access) {
            case READ -> (pte & PTE_R) != 0 || ((pte & PTE_X) != 0 && (h.mstatus & MSTATUS_MXR) != 0);
            case WRITE -> (pte & PTE_W) != 0;
            default -> (pte & PTE_X) != 0;
        };
        if (!allowed) {
            throw pageFault(access, va);
        }
    }

    private Trap pageFault(int access, long va) {
        int cause = switch (access) {
            case READ -> Trap.LOAD_PAGE_FAULT;
            case WRITE -> Trap.STORE_PAGE_FAULT;
            default -> Trap.INSTRUCTION_PAGE_FAULT;
        };
        return h.trap.raise(cause, va);
    }

    private Trap accessFault(int access, long va) {
        return h.trap.raise(accessFaultCause(access), va);
    }

    private static int accessFaultCause(int access) {
        return switch (access) {
            case READ -> Trap.LOAD_ACCESS_FAULT;
            case WRITE -> Trap.STORE_ACCESS_FAULT;
            default -> Trap.INSTRUCTION_ACCESS_FAULT;
        };
    }
}
