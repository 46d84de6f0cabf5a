package dev.graft.transfer.tune;

import dev.graft.engine.Engine;
import dev.graft.transfer.LayerRef;
import dev.graft.transfer.Networks;
import dev.graft.zoo.GraftModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a network's frozen base ends and its trainable top begins, and the top as a network of its own.
 *
 * <p>For a MultiLayerNetwork the frozen layers must be a prefix; the cut is the last of them. For a
 * ComputationGraph exactly one frozen vertex may feed the trainable part, and no trainable vertex may read
 * the network input: only then can the top be trained from cached outputs of the cut (a graph whose frozen
 * branch sits beside a trainable one, DL4J #4933, is refused with the vertices named).
 */
public final class Cut {

    private final Model network;
    private final String layer;
    private final int index;
    private final List<String> topLayers;

    private Cut(Model network, String layer, int index, List<String> topLayers) {
        this.network = network;
        this.layer = layer;
        this.index = index;
        this.topLayers = List.copyOf(topLayers);
    }

    /**
     * The cut of a planned model: the one its card records ({@link dev.graft.zoo.ModelCard#cut()}, set by
     * {@code TransferPlan.apply} and saved with the model), checked against the network's frozen layers. A
     * model whose card records no cut (planned before Graft recorded cuts, or frozen by other means) gets the
     * cut its frozen layers show, as {@link #of(Model)} finds it.
     *
     * @throws IllegalArgumentException if the recorded cut names no layer, or the frozen layers do not end
     *     there (the card and the network disagree: re-plan the model), or, with none recorded, as {@link #of(Model)}
     */
    public static Cut of(GraftModel model) {
        java.util.Objects.requireNonNull(model, "model");
        String recorded = model.card().cut();
        if (recorded == null) {
            return of(model.network());
        }
        String name = model.card().name();
        LayerRef ref;
        try {
            ref = LayerRef.resolve(model, recorded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model '" + name + "' records its cut at '" + recorded + "', which names no "
                    + "layer of its network (" + e.getMessage() + "); re-plan the model (TransferPlan freezeThrough / --cut LAYER)", e);
        }
        Cut found;
        try {
            found = of(model.network());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model '" + name + "' records its cut at '" + ref.name() + "' but its frozen "
                    + "layers do not make that cut: " + e.getMessage() + "; re-plan the model (TransferPlan freezeThrough / --cut LAYER)", e);
        }
        if (!found.layer.equals(ref.name())) {
            throw new IllegalArgumentException("model '" + name + "' records its cut at '" + ref.name() + "' but its frozen "
                    + "layers end at '" + found.layer + "' (frozen: " + String.join(", ", Networks.frozenLayers(model.network()))
                    + "); the card and the network disagree: re-plan the model (TransferPlan freezeThrough / --cut LAYER)");
        }
        return found;
    }

    /**
     * The model with its card recording the cut its frozen layers show now ({@link #of(Model)}), or none when
     * nothing is frozen or the frozen layers make no single cut: for code that changes which layers are frozen
     * (unfreezing stages) without a {@code TransferPlan}, so the saved card stays true.
     */
    public static GraftModel record(GraftModel model) {
        java.util.Objects.requireNonNull(model, "model");
        String now;
        try {
            now = of(model.network()).layer();
        } catch (IllegalArgumentException e) {
            now = null;
        }
        if (java.util.Objects.equals(now, model.card().cut())) {
            return model;
        }
        return model.withCard(model.card().toBuilder().cut(now).build());
    }

    /**
     * Finds the cut of a network whose base is frozen (for example by a {@code TransferPlan}), from its frozen
     * layers alone; for a planned {@link GraftModel} prefer {@link #of(GraftModel)}, which reads the recorded cut.
     *
     * @throws IllegalArgumentException if nothing is frozen, or the frozen part has no single boundary
     */
    public static Cut of(Model network) {
        List<String> frozen = Networks.frozenLayers(network);
        List<String> names = Networks.layerNames(network);
        if (frozen.isEmpty()) {
            throw new IllegalArgumentException("the network has no frozen layers, so there is nothing to cache: freeze the base first "
                    + "(TransferPlan freezeThrough / --cut LAYER)");
        }
        if (network instanceof MultiLayerNetwork) {
            for (int i = 0; i < frozen.size(); i++) {
                if (!names.get(i).equals(frozen.get(i))) {
                    throw new IllegalArgumentException("the frozen layers (" + String.join(", ", frozen)
                            + ") are not the bottom of the network; layer '" + names.get(i) + "' trains below them");
                }
            }
            int k = frozen.size() - 1;
            if (k == names.size() - 1) {
                throw new IllegalArgumentException("every layer is frozen; nothing would train");
            }
            return new Cut(network, names.get(k), k, names.subList(k + 1, names.size()));
        }
        ComputationGraphConfiguration c = ((ComputationGraph) network).getConfiguration();
        Set<String> frozenSet = new HashSet<>(frozen);
        Set<String> boundary = new java.util.TreeSet<>();
        List<String> top = new ArrayList<>();
        for (String v : names) {
            if (frozenSet.contains(v)) {
                continue;
            }
            top.add(v);
            for (String in : c.getVertexInputs().get(v)) {
                if (frozenSet.contains(in) || c.getNetworkInputs().contains(in)) {
                    boundary.add(in);
                }
            }
        }
        if (boundary.size() != 1 || c.getNetworkInputs().contains(boundary.iterator().next())) {
            throw new IllegalArgumentException("the trainable part of the graph reads " + String.join(", ", boundary)
                    + "; a cached fine-tune needs it to read exactly one frozen vertex (freeze through a vertex every path passes, "
                    + "e.g. a merge)");
        }
        String cut = boundary.iterator().next();
        return new Cut(network, cut, names.indexOf(cut), top);
    }

    /** Name of the last frozen layer (MLN) or the frozen vertex the top reads (CG). */
    public String layer() {
        return layer;
    }

    /** The trainable layers/vertices above the cut. */
    public List<String> topLayers() {
        return topLayers;
    }

    /** Output of the cut for an already normalized batch, in inference mode. */
    public INDArray featurize(INDArray normalized) {
        if (network instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) network;
            return net.feedForwardToLayer(index, normalized, false).get(index + 1).detach();
        }
        return ((ComputationGraph) network).feedForward(normalized, false).get(layer).detach();
    }

    /** The layers above the cut as a network of their own (configurations cloned, parameters copied in). */
    public Model buildTop() {
        if (network instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) network;
            MultiLayerConfiguration oc = net.getLayerWiseConfigurations();
            List<NeuralNetConfiguration> confs = new ArrayList<>();
            Map<Integer, InputPreProcessor> pps = new HashMap<>();
            for (int i = index + 1; i < oc.getConfs().size(); i++) {
                confs.add(oc.getConf(i).clone());
                if (oc.getInputPreProcess(i) != null) {
                    pps.put(i - index - 1, oc.getInputPreProcess(i).clone());
                }
            }
            MultiLayerConfiguration conf = new MultiLayerConfiguration.Builder().confs(confs).inputPreProcessors(pps)
                    .dataType(oc.getDataType()).trainingWorkspaceMode(oc.getTrainingWorkspaceMode())
                    .inferenceWorkspaceMode(oc.getInferenceWorkspaceMode()).build();
            MultiLayerNetwork top = new MultiLayerNetwork(conf);
            top.init();
            Engine.attachHelpers(top);
            copyInto(top);
            return top;
        }
        ComputationGraph g = (ComputationGraph) network;
        ComputationGraphConfiguration oc = g.getConfiguration();
        ComputationGraphConfiguration.GraphBuilder gb = new NeuralNetConfiguration.Builder(oc.getDefaultConfiguration().clone())
                .graphBuilder().addInputs(layer);
        Map<String, GraphVertex> vs = new LinkedHashMap<>();
        for (String v : topLayers) {
            vs.put(v, oc.getVertices().get(v).clone());
            gb.addVertex(v, vs.get(v), oc.getVertexInputs().get(v).toArray(new String[0]));
        }
        gb.setOutputs(oc.getNetworkOutputs().toArray(new String[0]));
        ComputationGraph top = new ComputationGraph(gb.build());
        top.init();
        Engine.attachHelpers(top);
        copyInto(top);
        return top;
    }

    /** Copies the full network's top parameters into a top network built by {@link #buildTop()}. */
    public void copyInto(Model top) {
        for (String n : topLayers) {
            copy(layerOf(network, n), layerOf(top, n));
        }
    }

    /** Copies a trained top network's parameters back into the full network. */
    public void copyFrom(Model top) {
        for (String n : topLayers) {
            copy(layerOf(top, n), layerOf(network, n));
        }
    }

    static Layer layerOf(Model net, String name) {
        if (net instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net;
            List<String> names = Networks.layerNames(m);
            return m.getLayer(names.indexOf(name));
        }
        return ((ComputationGraph) net).getLayer(name);
    }

    private static void copy(Layer from, Layer to) {
        if (from == null || to == null) {
            return;
        }
        for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
            to.paramTable().get(e.getKey()).assign(e.getValue());
        }
    }

    @Override
    public String toString() {
        return "Cut[" + layer + " | " + String.join(", ", topLayers) + "]";
    }
}
