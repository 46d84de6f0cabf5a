package dev.graft.zoo.keras;

import java.util.Arrays;
import java.util.Locale;

/**
 * How closely a network reproduces reference outputs (the ones Keras, PyTorch or ONNX Runtime wrote), element by
 * element under a {@link Tolerance}.
 *
 * @param path which run of the network was compared, e.g. {@code "network"} or {@code "featurizing path"}
 * @param maxAbsDiff largest absolute difference over the finite values (NaN when none is finite)
 * @param worstIndex flat index (row-major) of the element furthest outside its bound, or of the first non-finite
 *                   value; -1 when every element is within its bound
 * @param worstGot the network's value there (NaN when all pass)
 * @param worstRef the reference value there (NaN when all pass)
 * @param failing number of elements outside their bound, non-finite ones included
 * @param nonFinite number of NaN or infinite values the network produced
 * @param tolerance the bound applied
 * @param examples number of examples compared
 * @param outputShape shape of the compared output batch
 */
public record ParityReport(String path, double maxAbsDiff, long worstIndex, double worstGot, double worstRef,
                           long failing, long nonFinite, Tolerance tolerance, long examples, long[] outputShape) {
    /** True when every element is finite and within its bound. */
    public boolean passed() {
        return failing == 0 && nonFinite == 0;
    }

    /**
     * Throws when any element is outside its bound or not finite.
     *
     * @throws IllegalStateException naming the worst element, the difference and the tolerance
     */
    public ParityReport requirePassed() {
        if (!passed()) {
            throw new IllegalStateException("the imported model does not reproduce the reference outputs (" + path
                    + "): " + this + "; the model was not saved -- check the preprocessing the reference used, or "
                    + "report the model to Graft's maintainers");
        }
        return this;
    }

    @Override
    public String toString() {
        String head = String.format(Locale.ROOT, "max abs diff %.3g over %d examples (output %s), tolerance %s",
                maxAbsDiff, examples, Arrays.toString(outputShape), tolerance);
        if (passed()) {
            return head + ": OK";
        }
        String where = String.format(Locale.ROOT, "element %d: got %s, expected %s", worstIndex, worstGot, worstRef);
        return head + ": FAILED, " + failing + " of " + Arrays.stream(outputShape).reduce(1, (a, b) -> a * b)
                + " values outside the bound" + (nonFinite > 0 ? " (" + nonFinite + " NaN or infinite)" : "")
                + ", worst at " + where;
    }
}
