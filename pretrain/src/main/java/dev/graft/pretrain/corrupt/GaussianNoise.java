package dev.graft.pretrain.corrupt;

import java.util.Locale;
import java.util.SplittableRandom;

/** Adds independent Gaussian noise N(0, sigma²) to every value (on normalized inputs). */
final class GaussianNoise extends AbstractCorruptor {
    private final double sigma;

    /** @param sigma standard deviation of the noise, &gt; 0 */
    public GaussianNoise(double sigma) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("Gaussian noise sigma must be a positive number, got " + sigma);
        }
        this.sigma = sigma;
    }

    @Override
    void corruptRow(float[] row, SplittableRandom rnd) {
        for (int j = 0; j < row.length; j++) {
            row[j] += (float) (sigma * gaussian(rnd));
        }
    }

    static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "gaussian(%.2f)", sigma);
    }
}
