package dev.jimg.emulator.ata;

/**
 * How a command ended, as the device reports it in its status and error registers (ATA8-ACS,
 * section 6.1 "Status field" and 6.2 "Error field") and the register FIS that carries them.
 *
 * @param status      the status register: DRDY (6) and DSC (4) when the device is ready, ERR (0)
 *                    when the command failed
 * @param error       the error register: ABRT (2), IDNF (4), UNC (6), ...; 0 without ERR
 * @param lba         the LBA field of the result (the failing address, READ NATIVE MAX's answer)
 * @param count       the count field of the result (CHECK POWER MODE's answer, a signature)
 * @param transferred bytes moved between host memory and the device
 */
public record AtaResult(int status, int error, long lba, int count, long transferred) {
    public static final int STATUS_ERR = 0x01;
    public static final int STATUS_DRQ = 0x08;
    public static final int STATUS_DSC = 0x10;
    public static final int STATUS_DRDY = 0x40;
    public static final int STATUS_BSY = 0x80;
    /** What a ready device reports after a successful command. */
    public static final int STATUS_READY = STATUS_DRDY | STATUS_DSC;
    public static final int ERROR_ABRT = 0x04;
    public static final int ERROR_IDNF = 0x10;
    public static final int ERROR_UNC = 0x40;

    /** Success with {@code transferred} bytes moved. */
    public static AtaResult ok(long transferred) {
        return new AtaResult(STATUS_READY, 0, 0, 0, transferred);
    }

    /** Failure with the given error bits, reporting {@code lba} as where it happened. */
    public static AtaResult failed(int error, long lba) {
        return new AtaResult(STATUS_READY | STATUS_ERR, error, lba, 0, 0);
    }

    /** Command aborted: unsupported, invalid parameters, or a write to a read-only disk. */
    public static AtaResult aborted() {
        return failed(ERROR_ABRT, 0);
    }

    public boolean failed() {
        return (status & STATUS_ERR) != 0;
    }
}
