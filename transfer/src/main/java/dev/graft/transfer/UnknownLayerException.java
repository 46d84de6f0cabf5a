package dev.graft.transfer;

import java.util.List;

/**
 * A layer reference that names no layer of the network ({@link LayerRef}): the message says what was asked,
 * the nearest names, the valid ones and how to list them.
 */
public class UnknownLayerException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String ref;
    private final List<String> suggestions;

    /** Creates the exception; {@code ref} is what the user asked for (may be null), {@code suggestions} near names. */
    public UnknownLayerException(String ref, List<String> suggestions, String message) {
        super(message);
        this.ref = ref;
        this.suggestions = List.copyOf(suggestions);
    }

    /** The reference as given (trimmed), or null. */
    public String ref() {
        return ref;
    }

    /** Names close to the reference ("did you mean"), nearest first; empty if none is close. */
    public List<String> suggestions() {
        return suggestions;
    }
}
