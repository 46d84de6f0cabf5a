package dev.graft.pretrain;

import dev.graft.transfer.tune.FineTuneConfig;
import dev.graft.zoo.InputLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.Activation;

/**
 * The shape of the base a pretraining task trains: the layers that are kept and reused by {@code transfer}.
 * Each task puts its own head on top (a softmax, a score, a pair classifier) and throws it away after.
 * <pre>{@code
 * BaseNet digits = BaseNet.mlp(64, Activation.RELU, 128, 64);
 * BaseNet text = BaseNet.textCnn(5000, 64, 32, 64, 3, 64);
 * }</pre>
 */
public final class BaseNet {
    /** Prefix of the base's layer names. */
    public static final String LAYER_PREFIX = "base";
    private final String description;
    private final long[] inputShape;
    private final InputLayout layout;
    private final List<Layer> prototypes;
    private final int outputSize;

    private BaseNet(String description, long[] inputShape, InputLayout layout, List<Layer> prototypes, int outputSize) {
        this.description = description;
        this.inputShape = inputShape;
        this.layout = layout;
        this.prototypes = prototypes;
        this.outputSize = outputSize;
    }

    /**
     * A multilayer perceptron on flat inputs.
     *
     * @param inputs     values per example
     * @param activation activation of every hidden layer
     * @param widths     hidden layer widths, bottom first
     */
    public static BaseNet mlp(int inputs, Activation activation, int... widths) {
        if (inputs <= 0) {
            throw new IllegalArgumentException("an MLP base needs a positive input size, got " + inputs);
        }
        if (widths == null || widths.length == 0) {
            throw new IllegalArgumentException("an MLP base needs at least one hidden layer width");
        }
        List<Layer> layers = new ArrayList<>();
        for (int w : widths) {
            if (w <= 0) {
                throw new IllegalArgumentException("layer widths must be positive, got " + Arrays.toString(widths));
            }
            layers.add(new DenseLayer.Builder().nOut(w).activation(activation).build());
        }
        String desc = "mlp-" + inputs + "-" + Arrays.stream(widths).mapToObj(Integer::toString).collect(Collectors.joining("-"))
                + "-" + activation.name().toLowerCase(java.util.Locale.ROOT);
        return new BaseNet(desc, new long[] {inputs}, InputLayout.FLAT, layers, widths[widths.length - 1]);
    }

    /**
     * A text CNN over token-id sequences: embedding, one 1-D convolution (ReLU, same padding), global max
     * pooling, one dense ReLU layer.
     *
     * @param vocabularySize number of token ids
     * @param sequenceLength tokens per example
     * @param embedding      embedding width
     * @param filters        convolution filters
     * @param kernel         convolution kernel width (words)
     * @param hidden         width of the dense layer on top (the base's output)
     */
    public static BaseNet textCnn(int vocabularySize, int sequenceLength, int embedding, int filters, int kernel, int hidden) {
        if (vocabularySize < 3 || sequenceLength <= 0 || embedding <= 0 || filters <= 0 || kernel <= 0 || hidden <= 0) {
            throw new IllegalArgumentException("text CNN needs vocabulary >= 3 and positive sizes, got vocabulary "
                    + vocabularySize + ", length " + sequenceLength + ", embedding " + embedding + ", filters " + filters
                    + ", kernel " + kernel + ", hidden " + hidden);
        }
        List<Layer> layers = List.of(
                new EmbeddingSequenceLayer.Builder().nIn(vocabularySize).nOut(embedding).inputLength(sequenceLength).build(),
                new Convolution1DLayer.Builder().kernelSize(kernel).nOut(filters).activation(Activation.RELU)
                        .convolutionMode(ConvolutionMode.Same).build(),
                new GlobalPoolingLayer.Builder(PoolingType.MAX).build(),
                new DenseLayer.Builder().nOut(hidden).activation(Activation.RELU).build());
        String desc = "textcnn-v" + vocabularySize + "-len" + sequenceLength + "-e" + embedding + "-f" + filters + "x" + kernel
                + "-h" + hidden;
        return new BaseNet(desc, new long[] {sequenceLength}, InputLayout.FLAT, layers, hidden);
    }

    /**
     * A randomly initialized network of this base alone (no head), e.g. the "from scratch" arm of a
     * comparison: same architecture, no pretraining.
     */
    public org.deeplearning4j.nn.multilayer.MultiLayerNetwork newNetwork(long seed) {
        return Nets.baseWithHead(this, FineTuneConfig.builder().seed(seed).build());
    }

    /** Fresh copies of the base's layer configurations, bottom first, named {@code base0}, {@code base1}, … */
    public List<Layer> layers() {
        List<Layer> copies = new ArrayList<>();
        for (Layer l : prototypes) {
            Layer c = l.clone();
            c.setLayerName(LAYER_PREFIX + copies.size());
            copies.add(c);
        }
        return copies;
    }

    /** Name of the base's top layer, where {@code transfer} cuts to featurize ({@code base<depth-1>}). */
    public String topLayerName() {
        return LAYER_PREFIX + (prototypes.size() - 1);
    }

    /** Number of layers. */
    public int depth() {
        return prototypes.size();
    }

    /** DL4J input type of one example. */
    public InputType inputType() {
        if (prototypes.get(0) instanceof EmbeddingSequenceLayer) {
            return InputType.recurrent(1, inputShape[0]);
        }
        return InputType.feedForward(inputShape[0]);
    }

    /** Shape of one example. */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** Layout of the input. */
    public InputLayout layout() {
        return layout;
    }

    /** Width of the base's output (its top layer). */
    public int outputSize() {
        return outputSize;
    }

    /** Short architecture name for model cards, e.g. {@code mlp-64-128-64-relu}. */
    public String describe() {
        return description;
    }

    /**
     * Checks that examples of shape {@code exampleShape} fit this base.
     *
     * @throws IllegalArgumentException naming both shapes
     */
    public void requireInput(long[] exampleShape) {
        if (!Arrays.equals(exampleShape, inputShape)) {
            throw new IllegalArgumentException("base " + description + " takes examples of shape " + Arrays.toString(inputShape)
                    + ", but the data has examples of shape " + Arrays.toString(exampleShape));
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
