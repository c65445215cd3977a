package dev.jimg.emulator.xhci;

import dev.jimg.emulator.usb.UsbDevice;
import dev.jimg.emulator.usb.UsbSpeed;

/**
 * One root hub port and its PORTSC register (xHCI 1.2, section 5.4.8), following the USB 2 and
 * USB 3 port state machines of section 4.19.1:
 * <pre>
 *   0 CCS  connected (RO)           1 PED  enabled (write 1 disables)   4 PR   port reset (write 1)
 *   8:5 PLS link state              9 PP   power (always on: HCCPARAMS1.PPC is 0)
 *   13:10 speed (1 full, 3 high, 4 SuperSpeed)                          15:14 PIC indicator
 *   16 LWS link state write strobe  17 CSC 18 PEC 19 WRC 20 OCC 21 PRC 22 PLC 23 CEC: changes,
 *   write 1 to clear                25:27 WCE WDE WOE wake enables      31 WPR warm reset (USB 3)
 * </pre>
 * A USB 3 port with a device trains its link by itself: enabled, U0. A USB 2 port with a device is
 * connected but disabled (link Polling) until software resets it, as QEMU models both. Resets
 * finish at once; every change bit set posts a Port Status Change Event.
 */
final class RootPort {
    static final int CCS = 1;
    static final int PED = 1 << 1;
    static final int PR = 1 << 4;
    static final int PLS_SHIFT = 5;
    static final int PLS_MASK = 0xf << PLS_SHIFT;
    static final int PP = 1 << 9;
    static final int SPEED_SHIFT = 10;
    static final int PIC_MASK = 3 << 14;
    static final int LWS = 1 << 16;
    static final int CSC = 1 << 17;
    static final int PEC = 1 << 18;
    static final int WRC = 1 << 19;
    static final int OCC = 1 << 20;
    static final int PRC = 1 << 21;
    static final int PLC = 1 << 22;
    static final int CEC = 1 << 23;
    static final int CHANGE_BITS = CSC | PEC | WRC | OCC | PRC | PLC | CEC;
    static final int WAKE_BITS = 7 << 25;
    static final int WPR = 1 << 31;

    static final int PLS_U0 = 0;
    static final int PLS_U3 = 3;
    static final int PLS_DISABLED = 4;
    static final int PLS_RX_DETECT = 5;
    static final int PLS_POLLING = 7;
    static final int PLS_RESUME = 15;

    static final int SPEED_FULL = 1;
    static final int SPEED_HIGH = 3;
    static final int SPEED_SUPER = 4;

    private final int number;
    private final boolean usb3;
    private final UsbDevice device;
    private final XhciController controller;
    private int portsc;

    /**
     * @param number the port number software uses (1-based)
     * @param device the device on the port, or {@code null}
     */
    RootPort(int number, boolean usb3, UsbDevice device, XhciController controller) {
        this.number = number;
        this.usb3 = usb3;
        this.device = device;
        this.controller = controller;
    }

    int number() {
        return number;
    }

    boolean usb3() {
        return usb3;
    }

    UsbDevice device() {
        return device;
    }

    /** Whether a device is connected and the port enabled, so it can be addressed. */
    boolean enabled() {
        return (portsc & (CCS | PED)) == (CCS | PED);
    }

    /** The port speed ID as slot contexts and PORTSC give it. */
    int speedId() {
        if (device == null) {
            return 0;
        }
        return switch (device.speed()) {
            case FULL -> SPEED_FULL;
            case HIGH -> SPEED_HIGH;
            case SUPER -> SPEED_SUPER;
        };
    }

    /** Power-on and HCRST: the link comes up again and the connection is reported as new. */
    void powerOn() {
        portsc = PP;
        if (device == null) {
            setLinkState(PLS_RX_DETECT);
            return;
        }
        device.connect(usb3 ? UsbSpeed.SUPER : device.maxSpeed() == UsbSpeed.FULL ? UsbSpeed.FULL : UsbSpeed.HIGH);
        portsc |= CCS | speedId() << SPEED_SHIFT;
        if (usb3) {
            portsc |= PED;
            setLinkState(PLS_U0);
        } else {
            setLinkState(PLS_POLLING);
        }
        change(CSC);
    }

    int read() {
        return portsc;
    }

    void write(int value) {
        portsc &= ~(value & CHANGE_BITS);
        portsc = portsc & ~(PIC_MASK | WAKE_BITS) | value & (PIC_MASK | WAKE_BITS);
        if ((value & PED) != 0 && (portsc & PED) != 0) {
            portsc &= ~PED;
            setLinkState(usb3 ? PLS_DISABLED : PLS_POLLING);
        }
        if ((value & WPR) != 0 && usb3) {
            reset(true);
        } else if ((value & PR) != 0) {
            reset(false);
        }
        if ((value & LWS) != 0) {
            writeLinkState((value & PLS_MASK) >>> PLS_SHIFT);
        }
        controller.updatePortChange();
    }

    /** Port reset (hot reset on USB 3) or warm reset: the device sees a bus reset; the port ends enabled in U0. */
    private void reset(boolean warm) {
        if ((portsc & CCS) == 0) {
            change(PRC | (warm ? WRC : 0));
            return;
        }
        device.reset();
        portsc |= PED;
        setLinkState(PLS_U0);
        change(PRC | (warm ? WRC : 0));
    }

    /** Software moving the link (section 4.19.1.2.1, table 5-27 PLS write values). */
    private void writeLinkState(int pls) {
        int current = (portsc & PLS_MASK) >>> PLS_SHIFT;
        switch (pls) {
            case PLS_U0 -> {
                if (current == PLS_U3 || current == PLS_RESUME) {
                    setLinkState(PLS_U0);
                    change(PLC);
                }
            }
            case PLS_U3 -> {
                if ((portsc & PED) != 0) {
                    setLinkState(PLS_U3);
                }
            }
            case PLS_DISABLED -> {
                if (usb3) {
                    portsc &= ~PED;
                    setLinkState(PLS_DISABLED);
                }
            }
            case PLS_RX_DETECT -> {
                if (usb3 && current == PLS_DISABLED) {
                    if ((portsc & CCS) != 0) {
                        portsc |= PED;
                        setLinkState(PLS_U0);
                        change(PLC);
                    } else {
                        setLinkState(PLS_RX_DETECT);
                    }
                }
            }
            default -> {
                // Compliance, test modes and the U1/U2 states are not modelled: the link stays where it is.
            }
        }
    }

    private void setLinkState(int pls) {
        portsc = portsc & ~PLS_MASK | pls << PLS_SHIFT;
    }

    private void change(int bits) {
        int fresh = bits & ~portsc;
        portsc |= bits;
        if (fresh != 0) {
            controller.portChanged(number);
        }
    }
}
