package dev.graft.transfer.cache;

import dev.graft.engine.ChannelsLast;
import dev.graft.engine.Engine;
import dev.graft.engine.FeaturizeEngine;
import dev.graft.zoo.GraftModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A single-input ComputationGraph from its input through one vertex, inclusive. */
final class GraphFeaturizer extends AbstractFeaturizer {
    private final ComputationGraph graph;
    private final String vertex;
    private ComputationGraph cutView;

    GraphFeaturizer(GraftModel model, String vertex, FeaturizeEngine engine) {
        super(model, engine);
        this.graph = (ComputationGraph) model.network();
        this.vertex = vertex;
    }

    @Override
    protected INDArray forward(INDArray normalized) {
        ComputationGraph run = (ComputationGraph) runNetwork();
        if (run == graph) {
            return cutView().output(false, normalized)[0];
        }
        // the channels-last copy ends at the cut, which is its only output
        return ChannelsLast.toChannelsFirst(run.output(false, ChannelsLast.toChannelsLast(normalized))[0]);
    }

    /**
     * The model's graph with the cut as its only output (through {@link ChannelsLast#outputVertex}), sharing the
     * model's parameters (no copy). DL4J 1.0.0-M2.1's {@code output(List<String>, ...)} leaves an activation
     * workspace open when asked for a non-layer vertex such as a residual add (ResNet's {@code short*_branch} cut
     * points), after which every call on that thread fails.
     */
    private synchronized ComputationGraph cutView() {
        if (cutView == null) {
            ComputationGraphConfiguration conf = graph.getConfiguration().clone();
            conf.setNetworkOutputs(List.of(ChannelsLast.outputVertex(conf, vertex)));
            conf.setTopologicalOrder(null);
            conf.setTopologicalOrderStr(null);
            ComputationGraph view = new ComputationGraph(conf);
            view.init(graph.params(), false); // the added identity layer has no parameters: same layout, shared
            Engine.attachHelpers(view); // a new network: its helpers fed dense inputs, as the model's
            cutView = view;
        }
        return cutView;
    }

    @Override
    protected Set<String> keptVertices() {
        return Set.of(vertex);
    }

    @Override
    protected long[] guessInputShape() {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        String input = conf.getNetworkInputs().get(0);
        for (var e : conf.getVertexInputs().entrySet()) {
            if (e.getValue().contains(input) && conf.getVertices().get(e.getKey()) instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) conf.getVertices().get(e.getKey());
                if (lv.getPreProcessor() == null && lv.getLayerConf().getLayer() instanceof FeedForwardLayer
                        && !(lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer)) {
                    long nIn = ((FeedForwardLayer) lv.getLayerConf().getLayer()).getNIn();
                    return nIn > 0 ? new long[] {nIn} : null;
                }
            }
        }
        return null;
    }

    @Override
    protected String cutPoint() {
        return "at vertex '" + vertex + "'";
    }

    /** The cut vertex and every vertex it depends on. */
    private Set<String> ancestors() {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(vertex));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v)) {
                List<String> in = graph.getConfiguration().getVertexInputs().get(v);
                if (in != null) {
                    todo.addAll(in);
                }
            }
        }
        return seen;
    }

    @Override
    protected void hashNetwork(NetworkFingerprint fp) {
        Set<String> needed = ancestors();
        ComputationGraphConfiguration conf = graph.getConfiguration();
        for (int idx : graph.topologicalSortOrder()) {
            GraphVertex v = graph.getVertices()[idx];
            String name = v.getVertexName();
            if (!needed.contains(name)) {
                continue;
            }
            fp.text("vertex " + name + " <- " + conf.getVertexInputs().get(name));
            var vconf = conf.getVertices().get(name);
            if (vconf instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) vconf;
                if (lv.getPreProcessor() != null) {
                    fp.config(lv.getPreProcessor());
                }
                fp.config(lv.getLayerConf().getLayer());
            } else if (vconf != null) {
                fp.config(vconf);
            }
            if (v.hasLayer()) {
                fp.params(v.getLayer().params());
            }
        }
    }

    @Override
    protected INDArray forward64(INDArray normalized64) {
        ComputationGraph g64 = graph.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        dev.graft.engine.Engine.attachHelpers(g64); // helpers off in the caller's scope: removes any
        return g64.feedForward(new INDArray[] {normalized64}, false).get(vertex);
    }

    @Override
    protected List<Layer> layersBelowCut() {
        List<Layer> layers = new ArrayList<>();
        for (String name : ancestors()) {
            if (graph.getConfiguration().getVertices().get(name) instanceof LayerVertex lv) {
                layers.add(lv.getLayerConf().getLayer());
            }
        }
        return layers;
    }

    @Override
    protected String exportCut() {
        return vertex;
    }
}
