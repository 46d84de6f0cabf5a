package dev.graft.pretrain.loss;

import java.util.Locale;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Pairwise max-margin ranking loss: a scorer should give every good example a score at least
 * {@code margin} above every bad example of the same minibatch.
 *
 * <p>The output layer has one unit (the score {@code s}); the label of each example is 1 (good) or 0 (bad).
 * Over the good set G and bad set B of a minibatch, each pair costs {@code h(g, b) = max(0, margin - s_g + s_b)}.
 * Example {@code i} carries half the mean cost of its pairs: {@code l_g = mean_b h(g, b) / 2},
 * {@code l_b = mean_g h(g, b) / 2}. A masked example (mask 0) takes part in no pair. DL4J has no such loss
 * (its hinge losses compare one score to its own label); this one passes DL4J's gradient check.
 * <pre>{@code
 * new OutputLayer.Builder(new LossMarginRanking(1.0)).nOut(1).activation(Activation.IDENTITY).build();
 * }</pre>
 */
public final class LossMarginRanking implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @JsonProperty("margin")
    private double margin;

    /** A loss with margin 1. */
    public LossMarginRanking() {
        this(1.0);
    }

    /**
     * @param margin how far good scores must lie above bad scores, &gt; 0
     * @throws IllegalArgumentException if the margin is not a positive number
     */
    public LossMarginRanking(@JsonProperty("margin") double margin) {
        if (!(margin > 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("ranking margin must be a positive number, got " + margin);
        }
        this.margin = margin;
    }

    /** The margin. */
    public double margin() {
        return margin;
    }

    /** Per-example losses and the gradient of their sum with respect to the scores. */
    private double[][] lossesAndScoreGradient(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask) {
        if (preOutput.rank() != 2 || preOutput.size(1) != 1) {
            throw new IllegalArgumentException("the margin ranking loss needs an output layer with exactly one unit (the score), got output shape "
                    + java.util.Arrays.toString(preOutput.shape()));
        }
        if (labels.length() != preOutput.size(0)) {
            throw new IllegalArgumentException("the margin ranking loss needs one label (1 good, 0 bad) per example, got "
                    + labels.length() + " labels for " + preOutput.size(0) + " examples");
        }
        int n = (int) preOutput.size(0);
        double[] s = fn.getActivation(preOutput.dup(), true).reshape(n).toDoubleVector();
        double[] y = labels.reshape(n).toDoubleVector();
        double[] m = mask == null ? null : mask.reshape(-1).toDoubleVector();
        int goods = 0;
        int bads = 0;
        for (int i = 0; i < n; i++) {
            if (y[i] != 0 && y[i] != 1) {
                throw new IllegalArgumentException("margin ranking labels must be 1 (good) or 0 (bad), got " + y[i]
                        + " for example " + i);
            }
            if (m != null && m[i] == 0) {
                continue;
            }
            if (y[i] == 1) {
                goods++;
            } else {
                bads++;
            }
        }
        double[] loss = new double[n];
        double[] grad = new double[n];
        if (goods == 0 || bads == 0) {
            return new double[][] {loss, grad};
        }
        double w = 0.5 / bads + 0.5 / goods;
        for (int g = 0; g < n; g++) {
            if (y[g] != 1 || (m != null && m[g] == 0)) {
                continue;
            }
            for (int b = 0; b < n; b++) {
                if (y[b] != 0 || (m != null && m[b] == 0)) {
                    continue;
                }
                double h = margin - s[g] + s[b];
                if (h > 0) {
                    loss[g] += h * 0.5 / bads;
                    loss[b] += h * 0.5 / goods;
                    grad[g] -= w;
                    grad[b] += w;
                }
            }
        }
        return new double[][] {loss, grad};
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        double sum = 0;
        for (double l : lossesAndScoreGradient(labels, preOutput, activationFn, mask)[0]) {
            sum += l;
        }
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        double[] loss = lossesAndScoreGradient(labels, preOutput, activationFn, mask)[0];
        return Nd4j.createFromArray(loss).castTo(preOutput.dataType()).reshape(loss.length, 1);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        double[] grad = lossesAndScoreGradient(labels, preOutput, activationFn, mask)[1];
        INDArray dLdScore = Nd4j.createFromArray(grad).castTo(preOutput.dataType()).reshape(grad.length, 1);
        return activationFn.backprop(preOutput.dup(), dLdScore).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LossMarginRanking && ((LossMarginRanking) o).margin == margin;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(margin);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "LossMarginRanking(margin=%s)", margin);
    }
}
