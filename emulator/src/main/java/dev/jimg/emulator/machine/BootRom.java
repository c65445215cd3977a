package dev.jimg.emulator.machine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The reset code QEMU's {@code virt} board puts in its mask ROM at 0x1000: it enters the firmware
 * with the boot protocol of OpenSBI's {@code fw_dynamic} (OpenSBI docs/firmware/fw_dynamic.md),
 * <pre>
 *   a0 = hart id, a1 = device tree address, a2 = address of struct fw_dynamic_info
 *
 *   1000: auipc t0, 0
 *   1004: addi  a2, t0, 0x28     fw_dynamic_info follows the two addresses below
 *   1008: csrr  a0, mhartid
 *   100c: ld    a1, 0x20(t0)     device tree
 *   1010: ld    t0, 0x18(t0)     firmware entry
 *   1014: jr    t0
 *   1018: .dword firmware entry
 *   1020: .dword device tree
 *   1028: struct fw_dynamic_info { magic "OSBI", version 2, next_addr, next_mode, options, boot_hart }
 * </pre>
 * {@code next_addr} is where the firmware continues after itself: the kernel, in S-mode.
 */
final class BootRom {
    /** fw_dynamic_info.magic, "OSBI" in little-endian ASCII. */
    static final long FW_DYNAMIC_MAGIC = 0x4942534fL;
    /** Version 2 added boot_hart. */
    static final long FW_DYNAMIC_VERSION = 2;
    static final long NEXT_MODE_S = 1;

    private static final int T0 = 5;
    private static final int A0 = 10;
    private static final int A1 = 11;
    private static final int A2 = 12;
    private static final int CSR_MHARTID = 0xf14;
    private static final int ENTRY_OFFSET = 0x18;
    private static final int FDT_OFFSET = 0x20;
    private static final int INFO_OFFSET = 0x28;

    private BootRom() {
    }

    static byte[] build(long firmwareEntry, long fdtAddress, long kernelEntry) {
        ByteBuffer b = ByteBuffer.allocate(INFO_OFFSET + 6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(uType(0x17, T0, 0));
        b.putInt(iType(0x13, A2, 0, T0, INFO_OFFSET));
        b.putInt(iType(0x73, A0, 2, 0, CSR_MHARTID));
        b.putInt(iType(0x03, A1, 3, T0, FDT_OFFSET));
        b.putInt(iType(0x03, T0, 3, T0, ENTRY_OFFSET));
        b.putInt(iType(0x67, 0, 0, T0, 0));
        b.putLong(firmwareEntry);
        b.putLong(fdtAddress);
        b.putLong(FW_DYNAMIC_MAGIC);
        b.putLong(FW_DYNAMIC_VERSION);
        b.putLong(kernelEntry);
        b.putLong(NEXT_MODE_S);
        b.putLong(0);
        b.putLong(0);
        return b.array();
    }

    private static int uType(int opcode, int rd, int imm) {
        return imm & 0xffff_f000 | rd << 7 | opcode;
    }

    private static int iType(int opcode, int rd, int funct3, int rs1, int imm) {
        return imm << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
    }
}
