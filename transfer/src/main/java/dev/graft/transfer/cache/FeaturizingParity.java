package dev.graft.transfer.cache;

import dev.graft.zoo.GraftModel;
import dev.graft.zoo.Normalization;
import dev.graft.zoo.inspect.ModelInspector;
import dev.graft.zoo.keras.ParityCheck;
import dev.graft.zoo.keras.ParityReport;
import dev.graft.zoo.keras.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Checks an imported model along the path {@code featurize} and {@code finetune} run (the featurizer on the engine
 * the settings choose: ONNX Runtime when {@code auto} keeps it, else a channels-last copy with batch norm folded when
 * that applies, DL4J's native helpers), not only the plain
 * network that {@link ParityCheck} runs. A speed path that computed something else would pass the plain check and
 * give wrong features; this check makes {@code graft import --verify} fail instead.
 * <pre>{@code
 * List<ParityReport> r = FeaturizingParity.check(model, ParityCheck.reference(npz), Tolerance.DEFAULT);
 * }</pre>
 */
public final class FeaturizingParity {
    private FeaturizingParity() {
    }

    /**
     * Two comparisons: the featurizer cut at the network's output against the reference output, and the featurizer
     * cut at the highest cut point below the output (the pooled features, typically) against the plain network's
     * activations there. The reference input is fed as the model received it (no card normalization).
     *
     * @param reference the reference file's arrays ({@link ParityCheck#reference})
     * @throws IllegalArgumentException if the model has several inputs or outputs, or the shapes cannot be matched
     */
    public static List<ParityReport> check(GraftModel model, ParityCheck.Reference reference, Tolerance tolerance) {
        GraftModel raw = model.withCard(model.card().toBuilder().normalization(Normalization.identity()).build());
        INDArray in = ParityCheck.toNetworkLayout(model, reference.input());
        List<ParityReport> reports = new ArrayList<>();
        String output = outputName(model);
        reports.add(ParityCheck.compare("featurizing path to '" + output + "'",
                Featurizers.cut(raw, output).featurize(in.dup()), reference.output(), tolerance));
        String cut = cutBelowOutput(model, output);
        if (cut != null) {
            INDArray plain = plainActivations(model, cut, in.dup());
            reports.add(ParityCheck.compare("featurizing path to '" + cut + "' vs the plain network",
                    Featurizers.cut(raw, cut).featurize(in.dup()), plain, tolerance));
        }
        return reports;
    }

    private static String outputName(GraftModel model) {
        if (model.isGraph()) {
            ComputationGraph g = (ComputationGraph) model.network();
            List<String> outs = g.getConfiguration().getNetworkOutputs();
            if (outs.size() != 1 || g.getConfiguration().getNetworkInputs().size() != 1) {
                throw new IllegalArgumentException("the featurizing check takes one input and one output; model '"
                        + model.card().name() + "' has " + g.getConfiguration().getNetworkInputs().size()
                        + " inputs and " + outs.size() + " outputs");
            }
            return outs.get(0);
        }
        MultiLayerNetwork net = model.multiLayerNetwork();
        return Featurizers.layerName(net, net.getnLayers() - 1);
    }

    /** The last cut point before the output, or null when there is none. */
    private static String cutBelowOutput(GraftModel model, String output) {
        List<String> cuts = ModelInspector.inspect(model).cutPoints();
        for (int i = cuts.size() - 1; i >= 0; i--) {
            if (!cuts.get(i).equals(output)) {
                return cuts.get(i);
            }
        }
        return null;
    }

    private static INDArray plainActivations(GraftModel model, String name, INDArray in) {
        if (model.isGraph()) {
            Map<String, INDArray> acts = ((ComputationGraph) model.network()).feedForward(in, false);
            return acts.get(name);
        }
        MultiLayerNetwork net = model.multiLayerNetwork();
        int idx = dev.graft.transfer.LayerRef.resolve(net, name).index();
        List<INDArray> acts = net.feedForwardToLayer(idx, in, false);
        return acts.get(acts.size() - 1);
    }
}
