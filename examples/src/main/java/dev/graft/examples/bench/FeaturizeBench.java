package dev.graft.examples.bench;

import java.nio.file.Path;

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
 * random weights and random 224×224×3 images. The engine is the one the settings choose (featurizeEngine, default
 * auto: ONNX Runtime when the frozen part exports and agrees with DL4J); the result says which. Compare the two by
 * running with {@code GRAFT_FEATURIZE_ENGINE=dl4j} and {@code =onnx}.
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
                "%s to '%s' %s, batch %d, 224x224x3, random weights; engine %s", spec[0], spec[1],
                java.util.Arrays.toString(f.featureShape()), batch, f.engine().describe()));
    }

    /**
     * Featurize throughput of a Graft model file (an imported Keras or ONNX model, a saved fine-tune) from its input
     * to {@code cut} (its output when null), on random input of the card's shape scaled to [0, 255), batch
     * {@code batch}. The workload is named {@code model:<file name>}.
     *
     * @throws IllegalArgumentException if the card has no input shape or the cut does not exist
     */
    static Result runModel(Path file, String cut, int batch, Timer timer) throws Exception {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")
                || dev.graft.zoo.onnx.OnnxModel.isOnnxModelFile(file)) {
            return runOnnx(file, cut, batch, timer);
        }
        GraftModel model = GraftModel.load(file);
        long[] in = model.card().inputShape();
        if (in.length == 0) {
            throw new IllegalArgumentException("model " + file + " has no input shape in its card; a featurize "
                    + "benchmark needs one (give it with --input-shape when loading a plain DL4J zip)");
        }
        String to = cut != null ? cut : outputOf(model);
        Featurizer f = Featurizers.cut(model, to);
        double[] perSecond = timed(f, in, batch, timer, file);
        return new Result("model:" + file.getFileName() + (cut != null ? "@" + cut : ""), "ex/s", perSecond, String.format(Locale.ROOT,
                "%s to '%s' %s, batch %d, input %s %s; engine %s", model.card().name(), to,
                java.util.Arrays.toString(f.featureShape()), batch, java.util.Arrays.toString(in),
                model.card().layout(), f.engine().describe()));
    }

    /**
     * As {@link #runModel} for an ONNX model (an {@code .onnx} file or a zip 'graft import' saved): ONNX Runtime
     * through {@link dev.graft.transfer.cache.OnnxFeaturizer} with the engine's threads, to {@code cut} (a cut point)
     * or to the logits input when null.
     */
    static Result runOnnx(Path file, String cut, int batch, Timer timer) throws Exception {
        dev.graft.zoo.onnx.OnnxModel model = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")
                ? dev.graft.zoo.onnx.OnnxImporter.builder(file).build().importModel()
                : dev.graft.zoo.onnx.OnnxModel.load(file);
        String to = cut;
        if (to == null) {
            to = model.graph().cutPoints().stream()
                    .filter(c -> c.role() == dev.graft.zoo.onnx.CutPoint.Role.LOGITS_INPUT).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(file + " has no logits input to cut at; give "
                            + "model:FILE@TENSOR")).tensor();
        }
        long[] in = model.card().inputShape();
        try (dev.graft.transfer.cache.OnnxFeaturizer f = dev.graft.transfer.cache.OnnxFeaturizer.cut(model, to)) {
            double[] perSecond = timed(f, in, batch, timer, file);
            return new Result("model:" + file.getFileName() + (cut != null ? "@" + cut : ""), "ex/s", perSecond,
                    String.format(Locale.ROOT, "onnx %s to '%s' %s, batch %d, input %s %s, %d ONNX Runtime threads",
                            model.card().name(), f.tensor(), java.util.Arrays.toString(f.featureShape()), batch,
                            java.util.Arrays.toString(in), model.card().layout(), dev.graft.engine.Engine.startThreads()));
        }
    }

    /**
     * Examples per second of {@code f} on a seeded batch of raw values in [0, 255) of the card's example shape
     * {@code in}, after one run that checks the features are finite.
     */
    private static double[] timed(Featurizer f, long[] in, int batch, Timer timer, Path file) throws Exception {
        long[] shape = new long[in.length + 1];
        shape[0] = batch;
        System.arraycopy(in, 0, shape, 1, in.length);
        Nd4j.getRandom().setSeed(7);
        INDArray images = Nd4j.rand(DataType.FLOAT, shape).muli(255);
        double sum = f.featurize(images).sumNumber().doubleValue();
        if (!Double.isFinite(sum)) {
            throw new IllegalStateException(file + " features are not finite (sum " + sum + ")");
        }
        return timer.measure(() -> {
            f.featurize(images);
            return batch;
        });
    }

    private static String outputOf(GraftModel model) {
        if (model.isGraph()) {
            return ((ComputationGraph) model.network()).getConfiguration().getNetworkOutputs().get(0);
        }
        return Integer.toString(model.multiLayerNetwork().getnLayers() - 1);
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
