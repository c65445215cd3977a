package dev.jimg.emulator.usb;

/**
 * The eight bytes that open a control transfer (USB 2.0, section 9.3, table 9-2): bmRequestType
 * (direction 7, type 6:5, recipient 4:0), bRequest, wValue, wIndex, wLength, little-endian.
 */
public record SetupPacket(int requestType, int request, int value, int index, int length) {
    public static final int DIR_IN = 0x80;
    public static final int TYPE_MASK = 0x60;
    public static final int TYPE_STANDARD = 0x00;
    public static final int TYPE_CLASS = 0x20;
    public static final int RECIPIENT_MASK = 0x1f;
    public static final int RECIPIENT_DEVICE = 0;
    public static final int RECIPIENT_INTERFACE = 1;
    public static final int RECIPIENT_ENDPOINT = 2;

    /** Decodes the packet as a host controller holds it: the eight bytes as a little-endian long. */
    public static SetupPacket of(long bytes) {
        return new SetupPacket((int) bytes & 0xff, (int) (bytes >>> 8) & 0xff, (int) (bytes >>> 16) & 0xffff,
                (int) (bytes >>> 32) & 0xffff, (int) (bytes >>> 48) & 0xffff);
    }

    /** The packet as a little-endian long, the way a driver places it in a Setup Stage TRB. */
    public long toLong() {
        return (requestType & 0xffL) | (request & 0xffL) << 8 | (value & 0xffffL) << 16 | (index & 0xffffL) << 32
                | (length & 0xffffL) << 48;
    }

    /** Whether the data stage (if any) moves data to the host. */
    public boolean in() {
        return (requestType & DIR_IN) != 0;
    }

    public int type() {
        return requestType & TYPE_MASK;
    }

    public int recipient() {
        return requestType & RECIPIENT_MASK;
    }

    @Override
    public String toString() {
        return String.format("setup %02x %02x %04x %04x %04x", requestType, request, value, index, length);
    }
}
