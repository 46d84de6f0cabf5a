package dev.graft.transfer.tune;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The one-cycle learning-rate policy: rise linearly from {@code maxRate/div} to {@code maxRate} over the first
 * {@code warmupFraction} of training, then fall with a cosine to {@code maxRate/(div*1e4)} at the last iteration.
 * Iteration-based; serializable with the network configuration.
 */
public final class OneCycleSchedule implements ISchedule {
    private static final long serialVersionUID = 1L;
    private final double maxRate;
    private final int totalIterations;
    private final double warmupFraction;
    private final double div;

    /**
     * @param maxRate         peak learning rate
     * @param totalIterations iterations in the whole run (epochs × batches per epoch)
     * @param warmupFraction  fraction of iterations spent rising (0..1), typically 0.3
     * @param div             the start rate is {@code maxRate / div}, typically 25
     */
    public OneCycleSchedule(@JsonProperty("maxRate") double maxRate, @JsonProperty("totalIterations") int totalIterations,
            @JsonProperty("warmupFraction") double warmupFraction, @JsonProperty("div") double div) {
        if (maxRate <= 0 || totalIterations <= 0 || warmupFraction <= 0 || warmupFraction >= 1 || div <= 1) {
            throw new IllegalArgumentException("one-cycle needs maxRate > 0, totalIterations > 0, 0 < warmupFraction < 1 and div > 1; got "
                    + maxRate + ", " + totalIterations + ", " + warmupFraction + ", " + div);
        }
        this.maxRate = maxRate;
        this.totalIterations = totalIterations;
        this.warmupFraction = warmupFraction;
        this.div = div;
    }

    /** One-cycle with the usual 30% warm-up and start rate {@code maxRate/25}. */
    public static OneCycleSchedule of(double maxRate, int totalIterations) {
        return new OneCycleSchedule(maxRate, totalIterations, 0.3, 25);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double start = maxRate / div;
        double end = maxRate / (div * 1e4);
        int warm = Math.max(1, (int) Math.round(totalIterations * warmupFraction));
        if (iteration < warm) {
            return start + (maxRate - start) * iteration / warm;
        }
        double t = Math.min(1.0, (iteration - warm) / (double) Math.max(1, totalIterations - warm - 1));
        return end + (maxRate - end) * 0.5 * (1 + Math.cos(Math.PI * t));
    }

    @Override
    public ISchedule clone() {
        return new OneCycleSchedule(maxRate, totalIterations, warmupFraction, div);
    }

    /** Peak learning rate. */
    @JsonProperty("maxRate")
    public double getMaxRate() {
        return maxRate;
    }

    /** Iterations in the whole run. */
    @JsonProperty("totalIterations")
    public int getTotalIterations() {
        return totalIterations;
    }

    /** Fraction of iterations spent rising. */
    @JsonProperty("warmupFraction")
    public double getWarmupFraction() {
        return warmupFraction;
    }

    /** Start rate divisor. */
    @JsonProperty("div")
    public double getDiv() {
        return div;
    }

    @Override
    public String toString() {
        return "OneCycleSchedule(max=" + maxRate + ", iterations=" + totalIterations + ")";
    }
}
