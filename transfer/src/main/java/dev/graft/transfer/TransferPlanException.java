package dev.graft.transfer;

/**
 * A transfer plan that cannot be applied to a network: an unknown layer, a freeze point above a changed
 * layer, a graph Graft cannot cut. The message is one sentence naming the layer and the valid choices.
 */
public class TransferPlanException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a one-line message. */
    public TransferPlanException(String message) {
        super(message);
    }

    /** Creates the exception with a one-line message and the error it explains. */
    public TransferPlanException(String message, Throwable cause) {
        super(message, cause);
    }
}
