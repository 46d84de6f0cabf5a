package dev.graft.transfer.data;

/** A data spec that cannot be parsed or loaded; the message is one line that says what to fix. */
public class DataSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** A data spec error with a one-line message. */
    public DataSpecException(String message) {
        super(message);
    }

    /** A data spec error with a one-line message and its cause. */
    public DataSpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
