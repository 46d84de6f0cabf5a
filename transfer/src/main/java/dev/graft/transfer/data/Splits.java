package dev.graft.transfer.data;

import java.util.List;
import java.util.Locale;

/** The check every stratified split makes: both parts non-empty and every class left with training examples. */
final class Splits {
    private Splits() {
    }

    /**
     * @param total examples of each class
     * @param test  examples of each class going to the held-out part
     * @throws DataSpecException naming the class (or the data) that is too small for the share, and what to do
     */
    static void requireBothSides(List<String> labels, int[] total, int[] test, double fraction, String description) {
        requireBothSides(labels, total, test, fraction, description, "--val-fraction");
    }

    /**
     * As above, naming the held-out share after the option that set it ({@code --val-fraction}, {@code --test-fraction}).
     */
    static void requireBothSides(List<String> labels, int[] total, int[] test, double fraction, String description, String option) {
        String kind = option.equals("--test-fraction") ? "test" : "validation";
        String share = String.format(Locale.ROOT, "%.2f", fraction);
        int held = 0;
        int largest = 0;
        for (int c = 0; c < total.length; c++) {
            if (total[c] > 0 && test[c] >= total[c]) {
                throw new DataSpecException("class '" + labels.get(c) + "' of " + description + " has only " + total[c]
                        + " example" + (total[c] == 1 ? "" : "s") + ": a " + share + " " + kind + " share leaves none to "
                        + "train on; add examples of it or lower " + option);
            }
            held += test[c];
            largest = Math.max(largest, total[c]);
        }
        if (held == 0) {
            throw new DataSpecException(description + " is too small for a " + share + " " + kind + " share: no class has "
                    + "enough examples to hold one out (the largest has " + largest + "); add examples or raise " + option);
        }
    }
}
