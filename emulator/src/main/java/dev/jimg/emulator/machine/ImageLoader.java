package dev.jimg.emulator.machine;

import dev.jimg.block.ImageException;
import dev.jimg.emulator.memory.AddressSpace;
import dev.jimg.emulator.memory.FlatRange;
import dev.jimg.emulator.memory.RamRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Puts firmware, kernels and initrds into guest memory: ELF64 executables by their program
 * headers (System V ABI, "Program Header"; PT_LOAD segments at their physical addresses, as QEMU's
 * loader does), anything else as a raw image at a given address.
 */
final class ImageLoader {
    private static final int ELF_MAGIC = 0x464c457f;
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1;
    private static final int EM_RISCV = 243;
    private static final int PT_LOAD = 1;

    /** Where an image ended up: its entry point and the end of what it occupies. */
    record Loaded(long entry, long start, long end) {
    }

    private final AddressSpace bus;

    ImageLoader(AddressSpace bus) {
        this.bus = bus;
    }

    static boolean isElf(byte[] image) {
        return image.length >= 64 && ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == ELF_MAGIC;
    }

    /** Loads an ELF by its headers, or a raw image at {@code rawAddress}. */
    Loaded load(String what, byte[] image, long rawAddress) {
        if (isElf(image)) {
            return loadElf(what, image);
        }
        place(what, rawAddress, image);
        return new Loaded(rawAddress, rawAddress, rawAddress + image.length);
    }

    Loaded loadElf(String what, byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (image[4] != ELFCLASS64 || image[5] != ELFDATA2LSB || b.getShort(18) != EM_RISCV) {
            throw new ImageException(what, "is not a 64-bit little-endian RISC-V ELF file");
        }
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;
        long start = Long.MAX_VALUE;
        long end = 0;
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (ph < 0 || ph + 56 > image.length) {
                throw new ImageException(what, "has a program header beyond the end of the file");
            }
            if (b.getInt(ph) != PT_LOAD) {
                continue;
            }
            long offset = b.getLong(ph + 8);
            long paddr = b.getLong(ph + 24);
            long filesz = b.getLong(ph + 32);
            long memsz = b.getLong(ph + 40);
            if (offset < 0 || filesz < 0 || offset + filesz > image.length || memsz < filesz) {
                throw new ImageException(what, "has a segment that does not fit the file");
            }
            byte[] segment = Arrays.copyOfRange(image, (int) offset, (int) (offset + filesz));
            place(what, paddr, segment);
            if (memsz > filesz) {
                place(what, paddr + filesz, new byte[Math.toIntExact(memsz - filesz)]);
            }
            start = Math.min(start, paddr);
            end = Math.max(end, paddr + memsz);
        }
        if (end == 0) {
            throw new ImageException(what, "has no loadable segment");
        }
        return new Loaded(entry, start, end);
    }

    /** Copies {@code bytes} to guest RAM or ROM at {@code address}. */
    void place(String what, long address, byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        FlatRange r = bus.find(address);
        if (r == null || !(r.leaf() instanceof RamRegion region) || address + bytes.length > r.end()) {
            throw new ImageException(what, "does not fit in guest memory at 0x" + Long.toHexString(address)
                    + " (" + bytes.length + " bytes)");
        }
        region.load(r.offsetOf(address), bytes);
    }
}
