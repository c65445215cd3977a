package dev.jimg.emulator.pci;

import java.util.Arrays;

/**
 * The configuration space of one PCI function: 256 bytes of type-0 header and capabilities
 * (PCI Local Bus Specification 3.0, chapter 6 "Configuration Space"), and, behind ECAM, the 3840
 * bytes of PCI Express extended space above them (PCIe Base Specification 4.0, section 7.2.2).
 *
 * <p>Each byte has three attributes besides its value, as QEMU's {@code PCIDevice} keeps them:
 * <ul>
 *   <li>a <b>write mask</b>: the bits the driver can change (everything else is read-only);</li>
 *   <li>a <b>write-1-to-clear mask</b>: status bits the driver clears by writing 1;</li>
 *   <li>the <b>reset value</b>, which {@link #reset()} restores.</li>
 * </ul>
 * A device sets values and masks while it is built ({@link #setWord}, {@link #setWritable}, ...);
 * {@link #captureResetState()} then fixes the power-on contents. Values are little-endian.
 */
public final class PciConfigSpace {
    /** Conventional configuration space: header plus capabilities. */
    public static final int CONVENTIONAL_SIZE = 256;
    /** Configuration space of a PCI Express function, reachable through ECAM. */
    public static final int SIZE = 4096;

    // Type-0 header registers (PCI 3.0, figure 6-1).
    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    /** Programming interface, sub-class and base class: three bytes from 0x09. */
    public static final int CLASS_PROG = 0x09;
    public static final int CACHE_LINE_SIZE = 0x0c;
    public static final int LATENCY_TIMER = 0x0d;
    public static final int HEADER_TYPE = 0x0e;
    public static final int BIST = 0x0f;
    public static final int BAR0 = 0x10;
    public static final int CARDBUS_CIS = 0x28;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2c;
    public static final int SUBSYSTEM_ID = 0x2e;
    public static final int EXPANSION_ROM = 0x30;
    public static final int CAPABILITIES_POINTER = 0x34;
    public static final int INTERRUPT_LINE = 0x3c;
    public static final int INTERRUPT_PIN = 0x3d;
    public static final int MIN_GNT = 0x3e;
    public static final int MAX_LAT = 0x3f;
    /** Where capabilities may start: the first byte after the header. */
    public static final int CAPABILITIES_START = 0x40;

    // Command register bits (PCI 3.0, section 6.2.2).
    public static final int COMMAND_IO = 1;
    public static final int COMMAND_MEMORY = 1 << 1;
    public static final int COMMAND_BUS_MASTER = 1 << 2;
    public static final int COMMAND_PARITY = 1 << 6;
    public static final int COMMAND_SERR = 1 << 8;
    public static final int COMMAND_INTX_DISABLE = 1 << 10;

    // Status register bits.
    public static final int STATUS_INTERRUPT = 1 << 3;
    public static final int STATUS_CAPABILITIES = 1 << 4;
    /** Master data parity error, signaled/received target and master abort, SERR, parity error. */
    public static final int STATUS_ERRORS_W1C = 0xf900;

    private final byte[] value = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];
    private final byte[] clearable = new byte[SIZE];
    private byte[] resetValue;

    /** A space with the command register's standard writable bits and the status error bits. */
    public PciConfigSpace() {
        setWritable(COMMAND, 2, COMMAND_IO | COMMAND_MEMORY | COMMAND_BUS_MASTER | COMMAND_PARITY | COMMAND_SERR
                | COMMAND_INTX_DISABLE);
        setClearable(STATUS, 2, STATUS_ERRORS_W1C);
        setWritable(CACHE_LINE_SIZE, 1, 0xff);
        setWritable(LATENCY_TIMER, 1, 0xff);
        setWritable(INTERRUPT_LINE, 1, 0xff);
    }

    /** Reads {@code size} (1, 2, 4 or 8) bytes at {@code offset}, little-endian. */
    public synchronized long get(int offset, int size) {
        checkRange(offset, size);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = v << 8 | (value[offset + i] & 0xff);
        }
        return v;
    }

    public int getByte(int offset) {
        return (int) get(offset, 1);
    }

    public int getWord(int offset) {
        return (int) get(offset, 2);
    }

    public long getLong(int offset) {
        return get(offset, 4);
    }

    /** Sets bytes regardless of the masks: the device's own view (IDs, status bits, BAR type bits). */
    public synchronized void set(int offset, int size, long v) {
        checkRange(offset, size);
        for (int i = 0; i < size; i++) {
            value[offset + i] = (byte) (v >>> (8 * i));
        }
    }

    public void setByte(int offset, int v) {
        set(offset, 1, v);
    }

    public void setWord(int offset, int v) {
        set(offset, 2, v);
    }

    public void setLong(int offset, long v) {
        set(offset, 4, v);
    }

    /** Makes {@code mask}'s bits of the {@code size}-byte field at {@code offset} driver-writable. */
    public synchronized void setWritable(int offset, int size, long mask) {
        checkRange(offset, size);
        for (int i = 0; i < size; i++) {
            writable[offset + i] = (byte) (mask >>> (8 * i));
        }
    }

    /** Makes {@code mask}'s bits write-1-to-clear (status bits the device sets). */
    public synchronized void setClearable(int offset, int size, long mask) {
        checkRange(offset, size);
        for (int i = 0; i < size; i++) {
            clearable[offset + i] = (byte) (mask >>> (8 * i));
        }
    }

    /** Sets or clears {@code bits} of the 16-bit register at {@code offset} (device side). */
    public synchronized void setWordBits(int offset, int bits, boolean on) {
        int v = getWord(offset);
        setWord(offset, on ? v | bits : v & ~bits);
    }

    /**
     * A driver's write: only writable bits take the new value, write-1-to-clear bits are cleared
     * where {@code v} has ones, and everything else keeps its value.
     */
    public synchronized void write(int offset, int size, long v) {
        checkRange(offset, size);
        for (int i = 0; i < size; i++) {
            int b = (int) (v >>> (8 * i)) & 0xff;
            int w = writable[offset + i] & 0xff;
            int c = clearable[offset + i] & 0xff;
            int old = value[offset + i] & 0xff;
            value[offset + i] = (byte) ((old & ~w | b & w) & ~(b & c));
        }
    }

    /** Records the current contents as what {@link #reset()} restores. */
    public synchronized void captureResetState() {
        resetValue = value.clone();
    }

    /** Restores the contents captured at power-on. */
    public synchronized void reset() {
        if (resetValue == null) {
            throw new IllegalStateException("the reset state of this configuration space was never captured");
        }
        System.arraycopy(resetValue, 0, value, 0, SIZE);
    }

    /** A copy of the raw bytes, for tests and dumps. */
    public synchronized byte[] bytes() {
        return Arrays.copyOf(value, SIZE);
    }

    private static void checkRange(int offset, int size) {
        if (offset < 0 || size < 1 || size > 8 || offset + size > SIZE) {
            throw new IllegalArgumentException("configuration access of " + size + " bytes at 0x"
                    + Integer.toHexString(offset) + " is outside the " + SIZE + "-byte space");
        }
    }
}
