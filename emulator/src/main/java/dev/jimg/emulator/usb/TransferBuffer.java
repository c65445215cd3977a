package dev.jimg.emulator.usb;

/**
 * The host memory one transfer's data moves through, as the device sees it: a byte sequence the
 * host controller scatters over guest memory (the buffers of a TD's TRBs). Devices copy in and out
 * at positions of their choosing; the host controller counts what moved from the length the device
 * reports when it completes the transfer.
 */
public interface TransferBuffer {
    /** Bytes the host offers (IN) or sends (OUT). */
    int length();

    /** Copies {@code length} bytes at {@code position} out of host memory (an OUT transfer's data). */
    void read(int position, byte[] dst, int offset, int length);

    /** Copies {@code length} bytes into host memory at {@code position} (an IN transfer's data). */
    void write(int position, byte[] src, int offset, int length);

    /** A buffer over a byte array, for tests and for data a host controller holds itself. */
    static TransferBuffer of(byte[] array) {
        return new TransferBuffer() {
            @Override
            public int length() {
                return array.length;
            }

            @Override
            public void read(int position, byte[] dst, int offset, int length) {
                System.arraycopy(array, position, dst, offset, length);
            }

            @Override
            public void write(int position, byte[] src, int offset, int length) {
                System.arraycopy(src, offset, array, position, length);
            }
        };
    }
}
