package dev.jimg.emulator.scsi;

/**
 * How a command ended (SAM-5, section 5.3.1 "Status codes"): GOOD, or CHECK CONDITION with the
 * sense data the initiator fetches with REQUEST SENSE.
 *
 * @param code  the status byte: {@link #GOOD} or {@link #CHECK_CONDITION}
 * @param sense why it failed, {@code null} for GOOD
 */
public record ScsiStatus(int code, Sense sense) {
    public static final int GOOD = 0x00;
    public static final int CHECK_CONDITION = 0x02;

    public static final ScsiStatus OK = new ScsiStatus(GOOD, null);

    public static ScsiStatus checkCondition(Sense sense) {
        return new ScsiStatus(CHECK_CONDITION, sense);
    }

    public boolean good() {
        return code == GOOD;
    }
}
