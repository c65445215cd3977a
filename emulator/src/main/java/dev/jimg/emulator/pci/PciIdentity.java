package dev.jimg.emulator.pci;

/**
 * The read-only registers that say what a function is (PCI Local Bus Specification 3.0, section
 * 6.2.1 "Device Identification").
 *
 * @param vendorId          e.g. 0x1b36 (Red Hat, QEMU's own devices), 0x1af4 (virtio), 0x8086 (Intel)
 * @param deviceId          the vendor's device number
 * @param revision          the revision ID
 * @param classCode         base class, sub-class and programming interface as one 24-bit number,
 *                          e.g. 0x010601 for an AHCI 1.0 SATA controller
 * @param subsystemVendorId the subsystem vendor ID (0 for none)
 * @param subsystemId       the subsystem ID
 * @param interruptPin      the INTx pin the function uses: 1 (INTA) to 4 (INTD), or 0 for none
 */
public record PciIdentity(int vendorId, int deviceId, int revision, int classCode, int subsystemVendorId,
        int subsystemId, int interruptPin) {

    /** The vendor ID a configuration read returns where no function answers. */
    public static final int NO_DEVICE = 0xffff;

    public PciIdentity {
        check("vendor ID", vendorId, 0xffff);
        check("device ID", deviceId, 0xffff);
        check("revision", revision, 0xff);
        check("class code", classCode, 0xff_ffff);
        check("subsystem vendor ID", subsystemVendorId, 0xffff);
        check("subsystem ID", subsystemId, 0xffff);
        check("interrupt pin", interruptPin, 4);
        if (vendorId == NO_DEVICE) {
            throw new IllegalArgumentException("vendor ID 0xffff means 'no device'");
        }
    }

    /** A function with the given IDs, no subsystem IDs, and INTx on pin A. */
    public static PciIdentity of(int vendorId, int deviceId, int revision, int classCode) {
        return new PciIdentity(vendorId, deviceId, revision, classCode, 0, 0, 1);
    }

    public PciIdentity withSubsystem(int subsystemVendor, int subsystem) {
        return new PciIdentity(vendorId, deviceId, revision, classCode, subsystemVendor, subsystem, interruptPin);
    }

    public PciIdentity withInterruptPin(int pin) {
        return new PciIdentity(vendorId, deviceId, revision, classCode, subsystemVendorId, subsystemId, pin);
    }

    private static void check(String what, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(what + " 0x" + Integer.toHexString(value) + " is out of range 0..0x"
                    + Integer.toHexString(max));
        }
    }
}
