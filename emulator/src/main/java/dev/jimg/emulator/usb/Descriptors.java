package dev.jimg.emulator.usb;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builders for the standard descriptors (USB 2.0, section 9.6; USB 3.2, section 9.6), all
 * little-endian with bLength and bDescriptorType first.
 */
public final class Descriptors {
    public static final int DEVICE = 1;
    public static final int CONFIGURATION = 2;
    public static final int STRING = 3;
    public static final int INTERFACE = 4;
    public static final int ENDPOINT = 5;
    public static final int BOS = 15;
    public static final int DEVICE_CAPABILITY = 16;
    public static final int SS_ENDPOINT_COMPANION = 48;

    public static final int TRANSFER_BULK = 2;
    /** bmAttributes of a configuration: bit 7 is reserved as one, bit 6 self-powered. */
    public static final int SELF_POWERED = 0xc0;
    /** US English, the language Linux asks for first. */
    public static final int LANGUAGE_US_ENGLISH = 0x0409;

    private Descriptors() {
    }

    /**
     * A device descriptor (18 bytes): bcdUSB 3.2 for SuperSpeed, 2.0 otherwise; the default pipe's
     * packet size as the speed requires (SuperSpeed gives it as an exponent: 9 = 512 bytes).
     */
    public static byte[] device(UsbSpeed speed, int vendor, int product, int release, int manufacturer,
            int productString, int serial) {
        byte[] d = new byte[18];
        d[0] = 18;
        d[1] = DEVICE;
        putShort(d, 2, speed.superSpeed() ? 0x0320 : 0x0200);
        d[7] = (byte) (speed.superSpeed() ? Integer.numberOfTrailingZeros(speed.controlPacketSize())
                : speed.controlPacketSize());
        putShort(d, 8, vendor);
        putShort(d, 10, product);
        putShort(d, 12, release);
        d[14] = (byte) manufacturer;
        d[15] = (byte) productString;
        d[16] = (byte) serial;
        d[17] = 1; // one configuration
        return d;
    }

    /** A configuration descriptor (9 bytes) followed by {@code body}, with wTotalLength filled in. */
    public static byte[] configuration(int value, int attributes, int maxPowerUnits, int interfaces, byte[] body) {
        byte[] d = new byte[9 + body.length];
        d[0] = 9;
        d[1] = CONFIGURATION;
        putShort(d, 2, d.length);
        d[4] = (byte) interfaces;
        d[5] = (byte) value;
        d[7] = (byte) attributes;
        d[8] = (byte) maxPowerUnits;
        System.arraycopy(body, 0, d, 9, body.length);
        return d;
    }

    /** An interface descriptor (9 bytes), alternate setting 0. */
    public static byte[] iface(int number, int endpoints, int cls, int subclass, int protocol) {
        return new byte[] {9, INTERFACE, (byte) number, 0, (byte) endpoints, (byte) cls, (byte) subclass,
                (byte) protocol, 0};
    }

    /**
     * A bulk endpoint descriptor (7 bytes) at the speed's packet size, followed at SuperSpeed by its
     * companion (6 bytes) allowing bursts of {@code maxBurst + 1} packets.
     */
    public static byte[] bulkEndpoint(int address, UsbSpeed speed, int maxBurst) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] ep = {7, ENDPOINT, (byte) address, TRANSFER_BULK, 0, 0, 0};
        putShort(ep, 4, speed.bulkPacketSize());
        out.writeBytes(ep);
        if (speed.superSpeed()) {
            out.writeBytes(new byte[] {6, SS_ENDPOINT_COMPANION, (byte) maxBurst, 0, 0, 0});
        }
        return out.toByteArray();
    }

    /**
     * The BOS descriptor of a SuperSpeed device (USB 3.2, section 9.6.2): a USB 2.0 extension
     * (no link power management) and a SuperSpeed USB device capability (full, high and
     * SuperSpeed; full speed is the lowest with all functions; no U1/U2 exit latencies).
     */
    public static byte[] superSpeedBos() {
        byte[] usb2 = {7, DEVICE_CAPABILITY, 2, 0, 0, 0, 0};
        byte[] ss = {10, DEVICE_CAPABILITY, 3, 0, 0x0e, 0, 1, 0, 0, 0};
        byte[] d = new byte[5 + usb2.length + ss.length];
        d[0] = 5;
        d[1] = BOS;
        putShort(d, 2, d.length);
        d[4] = 2;
        System.arraycopy(usb2, 0, d, 5, usb2.length);
        System.arraycopy(ss, 0, d, 5 + usb2.length, ss.length);
        return d;
    }

    /** String descriptor 0 (the languages) or a UTF-16LE string. */
    public static byte[] string(int index, String text) {
        if (index == 0) {
            return new byte[] {4, STRING, (byte) LANGUAGE_US_ENGLISH, (byte) (LANGUAGE_US_ENGLISH >>> 8)};
        }
        byte[] chars = text.getBytes(StandardCharsets.UTF_16LE);
        int n = Math.min(chars.length, 252);
        byte[] d = new byte[2 + n];
        d[0] = (byte) d.length;
        d[1] = STRING;
        System.arraycopy(chars, 0, d, 2, n);
        return d;
    }

    static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }
}
