package dev.graft.examples.bench;

import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Zoo;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Featurize throughput of a DL4J zoo architecture through Graft's {@link Featurizer} (normalization included), on
 * random weights and random 224×224×3 images.
 *
 * <p>The weights are redrawn He-normal (std √(2/fan-in)) because DL4J's zoo initialisation of ResNet50 overflows to
 * infinity by the last stage in inference mode (measured: activations grow ~10⁵× per stage), and timings of NaN/Inf
 * arithmetic are not what a user with real weights gets.
 */
final class FeaturizeBench {
    /** Architecture and cut of each featurize workload: VGG16 to fc2 (layer "19"), ResNet50 to the pooled vector. */
    static final Map<String, String[]> WORKLOADS = Map.of(
            "vgg16", new String[] {"vgg16", "19"},
            "resnet50", new String[] {"resnet50", "avgpool"});

    private FeaturizeBench() {
    }

    static Result run(String workload, int batch, Timer timer) throws Exception {
        String[] spec = WORKLOADS.get(workload);
        if (spec == null) {
            throw new IllegalArgumentException("unknown featurize workload '" + workload + "'; known: "
                    + WORKLOADS.keySet());
        }
        GraftModel model = Zoo.builder().build().init(spec[0], 1000, 42);
        heNormal(model, 42);
        Featurizer f = Featurizers.cut(model, spec[1]);
        Nd4j.getRandom().setSeed(7);
        INDArray images = Nd4j.rand(DataType.FLOAT, batch, 3, 224, 224).muli(255);
        INDArray check = f.featurize(images);
        double sum = check.sumNumber().doubleValue();
        if (!Double.isFinite(sum)) {
            throw new IllegalStateException(workload + " features are not finite (sum " + sum + ")");
        }
        double[] perSecond = timer.measure(() -> {
            f.featurize(images);
            return batch;
        });
        return new Result("featurize-" + workload, "img/s", perSecond, String.format(Locale.ROOT,
                "%s to '%s' %s, batch %d, 224x224x3, random weights", spec[0], spec[1],
                java.util.Arrays.toString(f.featureShape()), batch));
    }

    /** Redraws every weight matrix/kernel "W" He-normal; biases and batch-norm parameters stay as initialised. */
    static void heNormal(GraftModel model, long seed) {
        Nd4j.getRandom().setSeed(seed);
        ComputationGraph g = (ComputationGraph) model.network();
        for (GraphVertex v : g.getVertices()) {
            if (!v.hasLayer() || !(v.getLayer() instanceof BaseLayer)) {
                continue;
            }
            Layer layer = v.getLayer();
            INDArray w = layer.getParam("W");
            if (w == null) {
                continue;
            }
            long fanIn = w.rank() == 4 ? w.size(1) * w.size(2) * w.size(3) : w.size(0);
            w.assign(Nd4j.randn(w.dataType(), w.shape()).muli(Math.sqrt(2.0 / fanIn)));
        }
    }
}
