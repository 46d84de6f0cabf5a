package dev.graft.zoo.store;

import java.io.IOException;
import java.nio.file.Path;

/** A weights file does not match the checksum it must have. The message names the file and both sums. */
public final class ChecksumMismatchException extends IOException {
    private final Path file;
    private final String expected;
    private final String actual;

    /**
     * @param file the file that was checked
     * @param expected the expected sums in words
     * @param actual the actual sums in words
     * @param advice what the user can do, appended to the message
     */
    public ChecksumMismatchException(Path file, String expected, String actual, String advice) {
        super("checksum mismatch for " + file + ": expected " + expected + ", actual " + actual
                + (advice == null || advice.isEmpty() ? "" : "; " + advice));
        this.file = file;
        this.expected = expected;
        this.actual = actual;
    }

    /** The file that failed its check. */
    public Path file() {
        return file;
    }

    /** The expected checksums in words. */
    public String expected() {
        return expected;
    }

    /** The actual checksums in words. */
    public String actual() {
        return actual;
    }
}
