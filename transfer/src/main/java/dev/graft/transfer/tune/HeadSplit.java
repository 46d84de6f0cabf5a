package dev.graft.transfer.tune;

import dev.graft.engine.Engine;
import dev.graft.transfer.Networks;
import dev.graft.transfer.cache.Featurizer;
import dev.graft.transfer.cache.Featurizers;
import dev.graft.transfer.cache.OnnxFeaturizer;
import dev.graft.zoo.GraftModel;
import dev.graft.zoo.ModelCard;
import dev.graft.zoo.onnx.OnnxGraph;
import java.util.List;
import org.deeplearning4j.nn.api.Model;

/**
 * Where a fine-tune cuts its model into a frozen part (cached) and a head (trained): at a DL4J {@link Cut}, or — for
 * a model with an ONNX base ({@link GraftModel#withOnnxBase}) — at the ONNX part's output, the whole DL4J network
 * being the head. The two modes of one {@link FineTuner}.
 */
final class HeadSplit {
    private final Cut cut;
    private final Model network;
    private final OnnxGraph onnx;

    private HeadSplit(Cut cut, Model network, OnnxGraph onnx) {
        this.cut = cut;
        this.network = network;
        this.onnx = onnx;
    }

    /** The split of {@code network} (the planned model's network, or a configured copy of it). */
    static HeadSplit of(GraftModel planned, Model network) {
        OnnxGraph onnx = planned.onnxBase().orElse(null);
        return new HeadSplit(onnx == null ? Cut.of(network) : null, network, onnx);
    }

    /**
     * Checks that {@code config} fits the planned model: a DL4J model has a frozen base with as many frozen layers as
     * the unfreeze schedule asks for; a model with an ONNX base trains its head from the cache without unfreezing.
     *
     * @throws IllegalArgumentException naming what does not fit and what to do
     */
    static void require(GraftModel planned, FineTuneConfig config, boolean trainThrough) {
        int most = config.unfreeze().stages().stream().mapToInt(UnfreezeSchedule.Stage::layers).max().orElse(0);
        if (planned.onnxBase().isPresent()) {
            if (most > 0 || trainThrough) {
                throw new IllegalArgumentException("model '" + planned.card().name() + "' has a frozen ONNX base: its "
                        + "head trains from the cache, " + (most > 0 ? "it cannot unfreeze ONNX layers (unfreeze "
                        + config.unfreeze() + ")" : "not through the base") + "; to fine-tune pretrained ONNX layers, "
                        + "make them DL4J layers with OnnxTop.split");
            }
            return;
        }
        Cut.of(planned); // the recorded cut, checked against the frozen layers
        List<String> withParams = TrainableLayers.frozenWithParams(planned.network());
        if (most > withParams.size()) {
            throw new IllegalArgumentException("unfreeze schedule " + config.unfreeze() + " unfreezes " + most
                    + " layers, but the base has only " + withParams.size() + " frozen layer"
                    + (withParams.size() == 1 ? "" : "s") + " with parameters" + (withParams.isEmpty() ? ""
                    : " (" + String.join(", ", withParams) + ")") + "; unfreeze at most " + withParams.size()
                    + " or freeze through a higher layer (--cut)");
        }
    }

    /** What the cache is built with: the frozen DL4J layers, or the ONNX base on ONNX Runtime (close it after). */
    static Featurizer featurizer(GraftModel planned) {
        return planned.onnxBase().isPresent() ? OnnxFeaturizer.base(planned, Math.max(1, Engine.startThreads()))
                : Featurizers.cut(planned, Cut.of(planned).layer());
    }

    /** The layer (or ONNX tensor) the head is trained above. */
    String layer() {
        return cut != null ? cut.layer() : onnx.outputs().get(0).name();
    }

    /** The head's layers. */
    List<String> topLayers() {
        return cut != null ? cut.topLayers() : Networks.layerNames(network);
    }

    /** The head as a network of its own (on an ONNX base, the network itself: it is the head). */
    Model buildTop() {
        return cut != null ? cut.buildTop() : network;
    }

    /** Copies a trained head's parameters back into the network. */
    void copyFrom(Model top) {
        if (top != network) {
            cut.copyFrom(top);
        }
    }

    /** The trained network as a model that predicts from raw input (below it, the ONNX base when there is one). */
    GraftModel reassemble(Model trained, ModelCard card) {
        // unfreezing moves the cut: the card records the one the frozen layers show now
        return onnx != null ? GraftModel.withOnnxBase(onnx, trained, card) : Cut.record(GraftModel.of(trained, card));
    }
}
