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

    /**
     * Checks that the planned network's output has one unit per class of the training data (a softmax head planned
     * for other labels would otherwise fail inside DL4J with a shape message, or train the wrong classes).
     *
     * @throws IllegalArgumentException naming the model, both counts and how to plan the head
     */
    static void requireOutputs(GraftModel planned, dev.graft.transfer.data.DataSource train) {
        long outputs = outputSize(planned.network());
        int classes = train.numClasses();
        if (outputs > 0 && classes > 0 && outputs != classes) {
            throw new IllegalArgumentException("model '" + planned.card().name() + "' has " + outputs + " outputs but the "
                    + "training data has " + classes + " classes " + train.labels() + "; plan the head for the data "
                    + "(TransferPlan newClassifier(train.labels()), or replaceHead(" + classes + ", ...))");
        }
    }

    /**
     * The card the trained model carries: output {@code i} is the training data's label {@code i} (the one-hot
     * order it trained on), whatever labels the plan gave the card; a difference is logged.
     */
    static ModelCard withDataLabels(ModelCard card, List<String> data, java.util.function.Consumer<String> log) {
        if (data.equals(card.labels())) {
            return card;
        }
        if (card.labels() != null && !card.labels().isEmpty()) {
            log.accept("note: the plan's labels " + card.labels() + " are not the training data's " + data
                    + " (in that order); output i was trained as the data's label i, so the saved card lists " + data);
        }
        return card.toBuilder().labels(data).build();
    }

    /** Units of the network's (first) output layer, or -1 when it is not a layer with a fixed width. */
    private static long outputSize(Model net) {
        org.deeplearning4j.nn.conf.layers.Layer l;
        if (net instanceof org.deeplearning4j.nn.multilayer.MultiLayerNetwork m) {
            l = m.getLayer(m.getnLayers() - 1).conf().getLayer();
        } else {
            org.deeplearning4j.nn.graph.ComputationGraph g = (org.deeplearning4j.nn.graph.ComputationGraph) net;
            org.deeplearning4j.nn.api.Layer out = g.getOutputLayer(0);
            l = out == null ? null : out.conf().getLayer();
        }
        return l instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer f ? f.getNOut() : -1;
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
