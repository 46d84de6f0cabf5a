package dev.graft.zoo.keras;

import java.util.Arrays;
import java.util.Locale;

/**
 * How closely an imported model reproduces the outputs Keras wrote.
 *
 * @param maxAbsDiff largest absolute difference over every output value
 * @param tolerance the largest difference accepted
 * @param examples number of examples compared
 * @param outputShape shape of the compared output batch
 */
public record ParityReport(double maxAbsDiff, double tolerance, long examples, long[] outputShape) {
    /** True when the maximum difference is within the tolerance. */
    public boolean passed() {
        return maxAbsDiff <= tolerance;
    }

    /**
     * Throws when the outputs differ by more than the tolerance.
     *
     * @throws IllegalStateException naming the difference and the tolerance
     */
    public ParityReport requirePassed() {
        if (!passed()) {
            throw new IllegalStateException("imported model does not reproduce Keras' outputs: " + this);
        }
        return this;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "max abs diff %.3g over %d examples (output %s), tolerance %.3g: %s",
                maxAbsDiff, examples, Arrays.toString(outputShape), tolerance, passed() ? "OK" : "FAILED");
    }
}
