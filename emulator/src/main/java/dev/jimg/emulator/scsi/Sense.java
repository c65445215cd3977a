package dev.jimg.emulator.scsi;

/**
 * Sense data: why a command ended with CHECK CONDITION, in fixed format (SPC-4, section 4.5.3
 * "Fixed format sense data"):
 * <pre>
 *   0     VALID (7) | RESPONSE CODE 70h (current error)
 *   2     SENSE KEY (3:0)
 *   3-6   INFORMATION (the failing LBA when VALID is set)
 *   7     ADDITIONAL SENSE LENGTH = 10 (bytes 8-17 follow)
 *   12    ADDITIONAL SENSE CODE      13  ADDITIONAL SENSE CODE QUALIFIER
 * </pre>
 *
 * @param key         the sense key (ILLEGAL REQUEST, MEDIUM ERROR, ...)
 * @param asc         the additional sense code
 * @param ascq        its qualifier
 * @param information the INFORMATION field (the failing LBA), or -1 when it is not valid
 */
public record Sense(int key, int asc, int ascq, long information) {
    public static final int KEY_NO_SENSE = 0x0;
    public static final int KEY_NOT_READY = 0x2;
    public static final int KEY_MEDIUM_ERROR = 0x3;
    public static final int KEY_ILLEGAL_REQUEST = 0x5;
    public static final int KEY_DATA_PROTECT = 0x7;
    public static final int KEY_ABORTED_COMMAND = 0xb;

    /** Fixed-format sense data is 18 bytes (additional sense length 10). */
    public static final int FIXED_LENGTH = 18;
    static final int RESPONSE_CURRENT_FIXED = 0x70;
    static final int VALID = 0x80;

    public static final Sense NO_SENSE = new Sense(KEY_NO_SENSE, 0x00, 0x00, -1);
    public static final Sense INVALID_COMMAND_OPERATION_CODE = new Sense(KEY_ILLEGAL_REQUEST, 0x20, 0x00, -1);
    public static final Sense LBA_OUT_OF_RANGE = new Sense(KEY_ILLEGAL_REQUEST, 0x21, 0x00, -1);
    public static final Sense INVALID_FIELD_IN_CDB = new Sense(KEY_ILLEGAL_REQUEST, 0x24, 0x00, -1);
    public static final Sense LOGICAL_UNIT_NOT_SUPPORTED = new Sense(KEY_ILLEGAL_REQUEST, 0x25, 0x00, -1);
    public static final Sense INVALID_FIELD_IN_PARAMETER_LIST = new Sense(KEY_ILLEGAL_REQUEST, 0x26, 0x00, -1);
    public static final Sense PARAMETER_LIST_LENGTH_ERROR = new Sense(KEY_ILLEGAL_REQUEST, 0x1a, 0x00, -1);
    public static final Sense SAVING_PARAMETERS_NOT_SUPPORTED = new Sense(KEY_ILLEGAL_REQUEST, 0x39, 0x00, -1);
    public static final Sense WRITE_PROTECTED = new Sense(KEY_DATA_PROTECT, 0x27, 0x00, -1);

    /** UNRECOVERED READ ERROR at {@code lba}. */
    public static Sense readError(long lba) {
        return new Sense(KEY_MEDIUM_ERROR, 0x11, 0x00, lba);
    }

    /** WRITE ERROR at {@code lba}. */
    public static Sense writeError(long lba) {
        return new Sense(KEY_MEDIUM_ERROR, 0x0c, 0x00, lba);
    }

    /** The 18 bytes of fixed-format sense data. */
    public byte[] fixedFormat() {
        byte[] b = new byte[FIXED_LENGTH];
        boolean valid = information >= 0 && information <= 0xffff_ffffL;
        b[0] = (byte) (RESPONSE_CURRENT_FIXED | (valid ? VALID : 0));
        b[2] = (byte) key;
        if (valid) {
            Cdb.putInt(b, 3, (int) information);
        }
        b[7] = FIXED_LENGTH - 8;
        b[12] = (byte) asc;
        b[13] = (byte) ascq;
        return b;
    }

    @Override
    public String toString() {
        return String.format("sense key %xh, ASC/ASCQ %02xh/%02xh", key, asc, ascq);
    }
}
