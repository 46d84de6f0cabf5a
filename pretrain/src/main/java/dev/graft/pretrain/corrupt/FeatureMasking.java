package dev.graft.pretrain.corrupt;

import java.util.Locale;
import java.util.SplittableRandom;

/** Sets each value (pixel or feature) to a fill value with probability {@code fraction}; at least one per example. */
final class FeatureMasking extends AbstractCorruptor {
    private final double fraction;
    private final float fill;

    /**
     * @param fraction share of values masked, in (0, 1]
     * @param fill     value written into masked positions (0 for scaled pixels)
     */
    public FeatureMasking(double fraction, double fill) {
        this.fraction = requireFraction("masking", fraction);
        this.fill = (float) fill;
    }

    @Override
    void corruptRow(float[] row, SplittableRandom rnd) {
        boolean any = false;
        for (int j = 0; j < row.length; j++) {
            if (rnd.nextDouble() < fraction) {
                row[j] = fill;
                any = true;
            }
        }
        if (!any) {
            row[rnd.nextInt(row.length)] = fill;
        }
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "mask(%.2f)", fraction);
    }
}
