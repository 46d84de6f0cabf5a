package dev.graft.examples.bench;

import dev.graft.engine.FeaturizeEngine;
import dev.graft.transfer.cache.EngineChoice;
import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Zoo;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Verification program (not a unit test): which engine {@code auto} picks for DL4J's zoo VGG16, ResNet50, SqueezeNet
 * and Darknet19 at their full input size, featurized to the classifier's input. Random weights (nothing can be
 * downloaded here): He-scaled, and every batch norm's running statistics set from a batch of random images, so the
 * network is conditioned like a trained one (uncalibrated, DL4J's own float32 paths disagree beyond the tolerance;
 * docs/onnx-export.md). Prints the choice and its reason per model; exit status 1 if any fell back to DL4J.
 *
 * <pre>
 * java -cp "examples/target/graft-cli.jar:examples/target/lib/*" dev.graft.examples.bench.EngineChoiceVerification \
 *     [vgg16 resnet50 squeezenet darknet19]
 * </pre>
 */
public final class EngineChoiceVerification {
    private EngineChoiceVerification() {
    }

    /** Arguments: model names (default all four). */
    public static void main(String[] args) throws Exception {
        List<String> names = args.length > 0 ? List.of(args) : List.of("vgg16", "resnet50", "squeezenet", "darknet19");
        boolean all = true;
        for (String name : names) {
            GraftModel model = Zoo.builder().build().init(name, 10, 42);
            String cut = featuresOf(model);
            FeaturizeBench.heNormal(model, 42);
            long[] in = model.card().inputShape();
            Nd4j.getRandom().setSeed(7);
            INDArray raw = Nd4j.rand(DataType.FLOAT, 2, in[0], in[1], in[2]).muli(255);
            calibrateBatchNorms((ComputationGraph) model.network(), model.preprocess(raw));
            long t0 = System.nanoTime();
            Featurizer f = Featurizers.cut(model, cut, FeaturizeEngine.AUTO);
            f.chooseEngine(() -> raw);
            EngineChoice choice = f.engine();
            System.out.printf(Locale.ROOT, "%-10s cut '%s' %s: %s (%.1f s)%n", name, cut, java.util.Arrays.toString(in),
                    choice.describe(), (System.nanoTime() - t0) / 1e9);
            // the noise floor: both engines against DL4J's plain path (NCHW, no helpers, no folding)
            INDArray plain;
            try (dev.graft.engine.Engine.Scope s = dev.graft.engine.Engine.use(
                    dev.graft.engine.EngineSettings.builder().plain().build())) {
                plain = Featurizers.cut(model, cut, FeaturizeEngine.DL4J).featurize(raw.dup());
            }
            INDArray graftDl4j = Featurizers.cut(model, cut, FeaturizeEngine.DL4J).featurize(raw.dup());
            INDArray ort = Featurizers.cut(model, cut, FeaturizeEngine.ONNX).featurize(raw.dup());
            System.out.printf(Locale.ROOT, "%-10s worst |diff| / (1e-4 + 1e-3|ref|) against DL4J's plain path: "
                    + "Graft's DL4J path %.3f, ONNX Runtime %.3f; ONNX Runtime against Graft's DL4J path %.3f%n", name,
                    ratio(plain, graftDl4j), ratio(plain, ort), ratio(graftDl4j, ort));
            all &= choice.isOnnx();
        }
        System.out.println(all ? "ALL ON ONNX RUNTIME" : "SOME FELL BACK TO DL4J");
        System.exit(all ? 0 : 1);
    }

    private static double ratio(INDArray reference, INDArray other) {
        return dev.graft.zoo.onnx.export.OnnxParity.compare(List.of("features"), List.of(reference), List.of(other))
                .worstRatio();
    }

    /** The last cut point below the output (as {@code graft import --verify} picks it): the classifier's input. */
    private static String featuresOf(GraftModel model) {
        String output = ((ComputationGraph) model.network()).getConfiguration().getNetworkOutputs().get(0);
        List<String> cuts = dev.graft.zoo.inspect.ModelInspector.inspect(model).cutPoints();
        ComputationGraph g = (ComputationGraph) model.network();
        for (int i = cuts.size() - 1; i >= 0; i--) {
            String v = cuts.get(i);
            // past a classifier's softmax / loss / output layer to what feeds it
            while (g.getConfiguration().getVertices().get(v) instanceof LayerVertex lv
                    && (lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer
                    || lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.LossLayer
                    || lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer)) {
                v = g.getConfiguration().getVertexInputs().get(v).get(0);
            }
            if (!v.equals(output)) {
                return v;
            }
        }
        throw new IllegalStateException(model.card().name() + " has no cut point below its output " + output);
    }

    /**
     * Sets each batch norm's mean and variance (in topological order) to its input's statistics over the batch,
     * gamma 1 and beta 0: the activations stay of unit scale through the network, as in a trained one.
     */
    static void calibrateBatchNorms(ComputationGraph net, INDArray x) {
        int[] order = net.topologicalSortOrder();
        for (int position = 0; position < order.length; position++) {
            org.deeplearning4j.nn.graph.vertex.GraphVertex v = net.getVertices()[order[position]];
            GraphVertex conf = net.getConfiguration().getVertices().get(v.getVertexName());
            if (!(conf instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof BatchNormalization bn)) {
                continue;
            }
            String input = net.getConfiguration().getVertexInputs().get(v.getVertexName()).get(0);
            INDArray act = net.feedForward(new INDArray[] {x}, position, false, false).get(input);
            int[] axes = act.rank() == 2 ? new int[] {0}
                    : bn.getCnn2DFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NHWC ? new int[] {0, 1, 2}
                    : new int[] {0, 2, 3};
            var p = v.getLayer().paramTable();
            INDArray mean = act.mean(axes).castTo(DataType.FLOAT);
            INDArray var = act.var(false, axes).castTo(DataType.FLOAT).addi(1e-3);
            v.getLayer().setParam("mean", mean.reshape(p.get("mean").shape()));
            if (p.containsKey("var")) {
                v.getLayer().setParam("var", var.reshape(p.get("var").shape()));
            }
            if (p.containsKey("log10stdev")) {
                v.getLayer().setParam("log10stdev", org.nd4j.linalg.ops.transforms.Transforms.log(
                        org.nd4j.linalg.ops.transforms.Transforms.sqrt(var), 10).reshape(p.get("log10stdev").shape()));
            }
            if (p.containsKey("gamma")) {
                p.get("gamma").assign(1);
                p.get("beta").assign(0);
            }
        }
    }
}
