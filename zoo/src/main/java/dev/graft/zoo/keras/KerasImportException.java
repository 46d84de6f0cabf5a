package dev.graft.zoo.keras;

import java.io.IOException;

/**
 * A Keras file could not be imported: it is not a Keras file, it is damaged, or it holds something DL4J cannot
 * represent. The message is one sentence naming the file and what to do.
 */
public class KerasImportException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An import error with a message. */
    public KerasImportException(String message) {
        super(message);
    }

    /** An import error with a message and the exception behind it. */
    public KerasImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
