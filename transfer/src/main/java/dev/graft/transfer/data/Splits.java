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
        String share = String.format(Locale.ROOT, "%.2f", fraction);
        int held = 0;
        int largest = 0;
        for (int c = 0; c < total.length; c++) {
            if (total[c] > 0 && test[c] >= total[c]) {
                throw new DataSpecException("class '" + labels.get(c) + "' of " + description + " has only " + total[c]
                        + " example" + (total[c] == 1 ? "" : "s") + ": a " + share + " validation share leaves none to "
                        + "train on; add examples of it or lower --val-fraction");
            }
            held += test[c];
            largest = Math.max(largest, total[c]);
        }
        if (held == 0) {
            throw new DataSpecException(description + " is too small for a " + share + " validation share: no class has "
                    + "enough examples to hold one out (the largest has " + largest + "); add examples or raise --val-fraction");
        }
    }
}
