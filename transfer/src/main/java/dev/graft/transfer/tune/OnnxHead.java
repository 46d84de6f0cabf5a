package dev.graft.transfer.tune;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.onnx.CutPoint;
import dev.graft.zoo.onnx.OnnxModel;
import dev.graft.zoo.onnx.OnnxRunner;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * A new classifier head on an imported ONNX model, planned for {@link FineTuner}: the graph up to a cut runs frozen on
 * ONNX Runtime (bytes unchanged, {@link GraftModel#withOnnxBase}) and a DL4J head — optionally one hidden ReLU layer,
 * then softmax — trains on its cached features. The nodes above the cut are not carried over; to fine-tune
 * pretrained layers too, make them DL4J layers with {@link OnnxTop}.
 * <pre>{@code
 * GraftModel planned = OnnxHead.plan(OnnxModel.load(Path.of("resnet18.zip")), "/Flatten_output_0", labels, null, 42);
 * FineTuneResult r = FineTuner.builder(planned).train(train).validation(val).build().run();
 * }</pre>
 */
public final class OnnxHead {
    private OnnxHead() {
    }

    /**
     * The planned model: {@code model} cut at {@code cut} below a head over {@code labels} (Xavier init, seeded;
     * Adam at 1e-3 unless the {@link FineTuneConfig} sets a rate).
     *
     * @param hidden units of a hidden ReLU layer under the output layer, or null for none
     * @throws IllegalArgumentException if the cut is not a cut point, its features are neither a vector nor a pooled
     *     {@code [C, 1, 1]} map (the message lists the cuts that are), or there are fewer than two labels
     */
    public static GraftModel plan(OnnxModel model, String cut, List<String> labels, Integer hidden, long seed) {
        if (labels.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least two classes, got " + labels);
        }
        if (hidden != null && hidden < 1) {
            throw new IllegalArgumentException("a hidden layer needs at least 1 unit, got " + hidden);
        }
        CutPoint point = model.graph().cutPoint(cut == null ? "" : cut.trim());
        long[] s = OnnxRunner.shapes(model.graph(), List.of(point.tensor()), model.card().inputShape(), 1)
                .get(point.tensor());
        long[] fs = Arrays.copyOfRange(s, 1, s.length);
        if (!isFeatureVector(fs)) {
            throw new IllegalArgumentException("the features at '" + point.tensor() + "' have shape "
                    + Arrays.toString(fs) + "; a head on an ONNX base trains on a feature vector ([C], or a "
                    + "pooled [C, 1, 1]) — cut at the pooled features: " + String.join(", ", vectorCuts(model)));
        }
        // a pooled [C, 1, 1] map goes in through a CNN-to-dense preprocessor (it flattens to [C])
        InputType in = fs.length == 3 ? InputType.convolutional(1, 1, fs[0]) : InputType.feedForward(fs[0]);
        NeuralNetConfiguration.ListBuilder l = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list();
        if (hidden != null) {
            l.layer(new DenseLayer.Builder().name("graft_hidden").nOut(hidden).activation(Activation.RELU).build());
        }
        l.layer(new OutputLayer.Builder(LossFunction.MCXENT).name("graft_head").nOut(labels.size())
                .activation(Activation.SOFTMAX).build());
        MultiLayerNetwork head = new MultiLayerNetwork(l.setInputType(in).build());
        head.init();
        ModelCard card = model.card().toBuilder().labels(labels).clearSha256().build();
        return GraftModel.withOnnxBase(model.graph().cut(point.tensor()), head, card);
    }

    /** Whether features of this shape (no batch) are a vector a dense head takes: [C], or a pooled [C, 1, 1]. */
    static boolean isFeatureVector(long[] shape) {
        return shape.length == 1 || (shape.length == 3 && shape[1] == 1 && shape[2] == 1);
    }

    /**
     * The pooled and logits-input cut points of {@code model} whose features are a {@link #isFeatureVector vector}
     * for one example of the card's input shape: the cuts a head on an ONNX base accepts.
     */
    public static List<String> vectorCuts(OnnxModel model) {
        List<String> named = model.graph().cutPoints().stream().filter(c -> c.role() == CutPoint.Role.POOLED
                || c.role() == CutPoint.Role.LOGITS_INPUT).map(CutPoint::tensor).toList();
        if (named.isEmpty()) {
            return named;
        }
        Map<String, long[]> shapes = OnnxRunner.shapes(model.graph(), named, model.card().inputShape(), 1);
        return named.stream().filter(t -> {
            long[] s = shapes.get(t);
            return isFeatureVector(Arrays.copyOfRange(s, 1, s.length));
        }).toList();
    }
}
