package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.engine.Engine;
import dev.graft.zoo.GraftModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * What a pretraining task produced: the base (a Graft model with its card, no head) and the task's
 * training loss per epoch.
 * <pre>{@code
 * Pretrained p = CorruptionTask.builder(base).corruptor(Corruptors.mask(0.3)).build().pretrain(unlabelled);
 * p.save(Path.of("base.zip"));
 * MultiLayerNetwork clf = p.withHead(List.of("0", "1"), 1e-3, 7);
 * }</pre>
 */
public final class Pretrained {

    private final GraftModel base;
    private final List<double[]> losses;

    Pretrained(GraftModel base, List<double[]> losses) {
        this.base = base;
        this.losses = List.copyOf(losses);
    }

    /** The pretrained base with its model card. */
    public GraftModel base() {
        return base;
    }

    /**
     * Training loss per epoch, per stage: one stage for the auxiliary tasks, one per layer for the
     * layer-wise autoencoders (reconstruction loss).
     */
    public List<double[]> losses() {
        return losses.stream().map(double[]::clone).toList();
    }

    /**
     * Where training diverged, e.g. {@code "loss NaN at epoch 3 of layer 2"}, or null when every recorded loss is
     * finite.
     */
    public String divergence() {
        for (int k = 0; k < losses.size(); k++) {
            double[] l = losses.get(k);
            for (int e = 0; e < l.length; e++) {
                if (!Double.isFinite(l[e])) {
                    return "loss " + l[e] + " at epoch " + (e + 1) + (losses.size() > 1 ? " of layer " + (k + 1) : "");
                }
            }
        }
        return null;
    }

    /**
     * Saves the base (one zip with its card inside, and a copy of the card beside it).
     *
     * @throws IllegalStateException if training diverged ({@link #divergence()}): a base with NaN or infinite
     *     weights is never saved
     */
    public GraftModel save(Path zip) throws IOException {
        String diverged = divergence();
        if (diverged != null) {
            throw new IllegalStateException("pretraining diverged (" + diverged + "); nothing was saved to " + zip
                    + " — lower the learning rate or rescale the data");
        }
        return base.save(zip);
    }

    /**
     * A copy of the base with a fresh softmax head for {@code labels}, every layer trainable, ready for
     * fine-tuning on a few labelled examples with plain DL4J {@code fit}.
     */
    public MultiLayerNetwork withHead(List<String> labels, double learningRate, long seed) {
        return withHead(base, labels, learningRate, seed);
    }

    /** Same as {@link #withHead(List, double, long)} for any saved base. */
    public static MultiLayerNetwork withHead(GraftModel base, List<String> labels, double learningRate, long seed) {
        return withHead(base, labels, learningRate, seed, false);
    }

    /**
     * A copy of {@code base} with a fresh softmax head for {@code labels}; with {@code freezeBase} only the head
     * trains (a linear probe of the pretrained features), otherwise every layer does.
     */
    public static MultiLayerNetwork withHead(GraftModel base, List<String> labels, double learningRate, long seed,
                                             boolean freezeBase) {
        if (labels.size() < 2) {
            throw new IllegalArgumentException("a classifier head needs at least two labels, got " + labels);
        }
        MultiLayerNetwork net = base.multiLayerNetwork().clone();
        int top = net.getnLayers() - 1;
        long width = net.getLayer(top).getParam("W").size(1);
        TransferLearning.Builder b = new TransferLearning.Builder(net)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(learningRate)).seed(seed).build());
        if (freezeBase) {
            b.setFeatureExtractor(top);
        }
        return b.addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(labels.size())
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build();
    }
}
