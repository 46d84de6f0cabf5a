package dev.graft.transfer.data;

import java.util.List;
import java.util.Locale;

/**
 * The check every stratified split makes: both parts non-empty and every class left with training examples; when it
 * fails, the advice names the option that fixes it, with a value that fits. A split of what an earlier split left
 * ({@code finetune}: the validation share of what the test share left) knows that earlier split ({@link Earlier}), so
 * a validation split starved by a large {@code --test-fraction} says to lower {@code --test-fraction}.
 */
final class Splits {
    private Splits() {
    }

    /**
     * The split this set is the remainder of: the option that set its share, the share, and each class's examples
     * before it.
     */
    record Earlier(String option, double fraction, int[] totalBefore) {
    }

    /**
     * The stratified choice every {@link DataSource#split} makes: for each class in turn, its examples (in order) are
     * shuffled with one generator seeded {@code seed} and the first {@code round(n * fraction)} are held out. The
     * result is checked ({@link #requireBothSides}); {@code true} marks a held-out example.
     *
     * @param labels the class index of each example, in example order
     * @throws IllegalArgumentException if {@code fraction} is not in (0, 1), naming {@code option}
     * @throws DataSpecException if the share does not fit the data
     */
    static boolean[] heldOut(int[] labels, List<String> classes, double fraction, long seed, String description, String option,
            Earlier earlier) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException(option + " (the held-out share) must be between 0 and 1 (exclusive), got " + fraction);
        }
        boolean[] test = new boolean[labels.length];
        java.util.Random rnd = new java.util.Random(seed);
        int[] total = new int[classes.size()];
        int[] held = new int[classes.size()];
        for (int c = 0; c < classes.size(); c++) {
            List<Integer> members = new java.util.ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members.add(i);
                }
            }
            java.util.Collections.shuffle(members, rnd);
            int n = heldOut(members.size(), fraction);
            for (int i = 0; i < n; i++) {
                test[members.get(i)] = true;
            }
            total[c] = members.size();
            held[c] = n;
        }
        requireBothSides(classes, total, held, fraction, description, option, earlier);
        return test;
    }

    /** Each class's number of examples. */
    static int[] counts(int[] labels, int classes) {
        int[] n = new int[classes];
        for (int l : labels) {
            n[l]++;
        }
        return n;
    }

    /** The tag a split adds to the descriptions of its parts, {@code split(0.25, seed 42)}. */
    static String tag(double fraction, long seed) {
        return String.format(Locale.ROOT, "split(%.2f, seed %d)", fraction, seed);
    }

    /** Examples of each class a share holds out: {@code round(n * fraction)}, as every stratified split here does. */
    static int heldOut(int n, double fraction) {
        return (int) Math.round(n * fraction);
    }

    /**
     * @param total examples of each class
     * @param test  examples of each class going to the held-out part
     * @throws DataSpecException naming the class (or the data) that is too small for the share, and what to do
     */
    static void requireBothSides(List<String> labels, int[] total, int[] test, double fraction, String description) {
        requireBothSides(labels, total, test, fraction, description, "--val-fraction", null);
    }

    /**
     * As above, naming the held-out share after the option that set it ({@code --val-fraction}, {@code --test-fraction}),
     * and the earlier split this set remains of, if any ({@code null}: none).
     */
    static void requireBothSides(List<String> labels, int[] total, int[] test, double fraction, String description, String option,
            Earlier given) {
        // a split by the same option again (API callers splitting twice) has no other option to name
        Earlier earlier = given != null && !given.option().equals(option) && given.totalBefore().length == total.length ? given : null;
        String kind = kind(option);
        String share = format(fraction);
        String after = earlier == null ? "" : " after the " + format(earlier.fraction()) + " " + kind(earlier.option())
                + " share (" + earlier.option() + ") held out ";
        int held = 0;
        int largest = 0;
        int largestClass = 0;
        for (int c = 0; c < total.length; c++) {
            if (total[c] > 0 && test[c] >= total[c]) {
                String left = earlier == null ? "" : " left" + after + heldOut(earlier.totalBefore()[c], earlier.fraction())
                        + " of its " + earlier.totalBefore()[c];
                throw new DataSpecException("class '" + labels.get(c) + "' of " + description + " has only " + total[c]
                        + " example" + (total[c] == 1 ? "" : "s") + left + ": a " + share + " " + kind + " share leaves none to "
                        + "train on; " + advice(total, fraction, option, earlier, false, "add examples of it"));
            }
            held += test[c];
            if (total[c] > largest) {
                largest = total[c];
                largestClass = c;
            }
        }
        if (held == 0) {
            String left = earlier == null ? "" : ", left" + after + heldOut(earlier.totalBefore()[largestClass], earlier.fraction())
                    + " of its " + earlier.totalBefore()[largestClass];
            throw new DataSpecException(description + " is too small for a " + share + " " + kind + " share: no class has "
                    + "enough examples to hold one out (the largest has " + largest + left + "); "
                    + advice(total, fraction, option, earlier, true, "add examples"));
        }
    }

    /**
     * What fixes a failed split: the earlier share lowered (so more is left) and this share moved ({@code raise}: up,
     * else down), each with the nearest value that fits the data, only where one exists; adding examples always.
     */
    private static String advice(int[] total, double fraction, String option, Earlier earlier, boolean raise, String add) {
        StringBuilder a = new StringBuilder();
        if (earlier != null) {
            int step = (int) Math.round(earlier.fraction() * 100);
            for (int t = step - 1; t >= 1; t--) {
                double tf = t / 100.0;
                if (fits(earlier.totalBefore(), tf) && fits(remainder(earlier.totalBefore(), tf), fraction)) {
                    a.append("lower ").append(earlier.option()).append(" (").append(format(tf)).append(" fits with ")
                            .append(option).append(' ').append(format(fraction)).append(')');
                    break;
                }
            }
        }
        int step = (int) Math.round(fraction * 100);
        for (int v = raise ? step + 1 : step - 1; v >= 1 && v <= 99; v += raise ? 1 : -1) {
            if (fits(total, v / 100.0)) {
                a.append(a.length() == 0 ? "" : ", or ").append(raise ? "raise " : "lower ").append(option).append(" (")
                        .append(format(v / 100.0)).append(" fits");
                if (earlier != null) {
                    a.append(" with ").append(earlier.option()).append(' ').append(format(earlier.fraction()));
                }
                a.append(')');
                break;
            }
        }
        return a.length() == 0 ? add + " (no " + option + (earlier == null ? "" : " or " + earlier.option())
                + " fits this data)" : a + ", or " + add;
    }

    /** Whether a share holds out at least one example and leaves every class at least one. */
    static boolean fits(int[] total, double fraction) {
        int held = 0;
        for (int n : total) {
            int h = heldOut(n, fraction);
            if (n > 0 && h >= n) {
                return false;
            }
            held += h;
        }
        return held > 0;
    }

    /** Each class's examples left after a share is held out. */
    static int[] remainder(int[] total, double fraction) {
        int[] r = new int[total.length];
        for (int c = 0; c < total.length; c++) {
            r[c] = total[c] - heldOut(total[c], fraction);
        }
        return r;
    }

    private static String kind(String option) {
        return option.equals("--test-fraction") ? "test" : "validation";
    }

    private static String format(double fraction) {
        return String.format(Locale.ROOT, "%.2f", fraction);
    }
}
