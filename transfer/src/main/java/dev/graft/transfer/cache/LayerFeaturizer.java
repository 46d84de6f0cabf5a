package dev.graft.transfer.cache;

import dev.graft.engine.ChannelsLast;
import dev.graft.engine.FeaturizeEngine;
import dev.graft.zoo.GraftModel;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A MultiLayerNetwork from its input through layer {@code cut}, inclusive. */
final class LayerFeaturizer extends AbstractFeaturizer {
    private final MultiLayerNetwork net;
    private final int cut;

    LayerFeaturizer(GraftModel model, int cut, FeaturizeEngine engine) {
        super(model, engine);
        this.net = model.multiLayerNetwork();
        this.cut = cut;
    }

    /**
     * Layer by layer (each layer's input preprocessor, then the layer), inference mode, keeping only the current
     * activations rather than every layer's as {@code feedForwardToLayer} does. ({@code activateSelectedLayers}
     * would do the same but fails on preprocessors when the network has no stored input.)
     */
    @Override
    protected INDArray forward(INDArray normalized) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        MultiLayerNetwork run = (MultiLayerNetwork) runNetwork();
        boolean channelsLast = run != net; // a channels-last copy takes and gives NHWC image batches
        INDArray x = channelsLast ? ChannelsLast.toChannelsLast(normalized) : normalized;
        for (int l = 0; l <= cut; l++) {
            InputPreProcessor pre = run.getLayerWiseConfigurations().getInputPreProcess(l);
            if (pre != null) {
                x = pre.preProcess(x, (int) x.size(0), mgr);
            }
            x = run.getLayer(l).activate(x, false, mgr);
        }
        return channelsLast ? ChannelsLast.toChannelsFirst(x) : x;
    }

    @Override
    protected long[] guessInputShape() {
        Layer first = net.getLayerWiseConfigurations().getConf(0).getLayer();
        if (net.getLayerWiseConfigurations().getInputPreProcess(0) == null && first instanceof FeedForwardLayer
                && !(first instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer)) {
            long nIn = ((FeedForwardLayer) first).getNIn();
            return nIn > 0 ? new long[] {nIn} : null;
        }
        return null;
    }

    @Override
    protected String cutPoint() {
        return "after layer " + cut + " '" + Featurizers.layerName(net, cut) + "'";
    }

    @Override
    protected void hashNetwork(NetworkFingerprint fp) {
        for (int i = 0; i <= cut; i++) {
            fp.text("layer " + i);
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                fp.config(pre);
            }
            fp.config(net.getLayerWiseConfigurations().getConf(i).getLayer());
            fp.params(net.getLayer(i).params());
        }
    }

    @Override
    protected INDArray forward64(INDArray normalized64) {
        MultiLayerNetwork n64 = net.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        dev.graft.engine.Engine.attachHelpers(n64); // helpers off in the caller's scope: removes any
        return n64.feedForwardToLayer(cut, normalized64, false).get(cut + 1);
    }

    @Override
    protected List<Layer> layersBelowCut() {
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i <= cut; i++) {
            layers.add(net.getLayerWiseConfigurations().getConf(i).getLayer());
        }
        return layers;
    }

    /**
     * The exporter resolves a cut as {@link dev.graft.transfer.LayerRef} does (a name first, then an index; an
     * unnamed layer is named by its index): the layer's name if no earlier layer has it, else its index if no layer
     * is named like it, else null.
     */
    @Override
    protected String exportCut() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            String n = net.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName();
            names.add(n == null ? String.valueOf(i) : n);
        }
        if (names.indexOf(names.get(cut)) == cut) {
            return names.get(cut);
        }
        return names.contains(String.valueOf(cut)) ? null : String.valueOf(cut);
    }
}
