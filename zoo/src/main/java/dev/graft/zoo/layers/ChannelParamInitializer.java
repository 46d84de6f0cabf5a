package dev.graft.zoo.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameters of a {@link ChannelwiseLayer}: each key of {@link ChannelwiseLayer#weightKeys()} then
 * {@link ChannelwiseLayer#biasKeys()}, one {@code [1, C]} row vector each, laid out one after the other in the
 * layer's slice of the network's flat parameter (and gradient) vector.
 */
final class ChannelParamInitializer implements ParamInitializer {
    static final ChannelParamInitializer INSTANCE = new ChannelParamInitializer();

    private ChannelParamInitializer() {
    }

    private static ChannelwiseLayer of(Layer layer) {
        return (ChannelwiseLayer) layer;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return paramKeys(layer).size() * of(layer).getNIn();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>(of(layer).weightKeys());
        keys.addAll(of(layer).biasKeys());
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return of(layer).weightKeys();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return of(layer).biasKeys();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return of(layer).weightKeys().contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return of(layer).biasKeys().contains(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        ChannelwiseLayer layer = of(conf.getLayer());
        Map<String, INDArray> views = views(conf, paramsView);
        for (Map.Entry<String, INDArray> e : views.entrySet()) {
            conf.addVariable(e.getKey());
            if (initializeParams) {
                layer.initializeParam(e.getKey(), e.getValue());
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf, gradientView);
    }

    private Map<String, INDArray> views(NeuralNetConfiguration conf, INDArray flat) {
        Layer layer = conf.getLayer();
        List<String> keys = paramKeys(layer);
        if (keys.isEmpty()) {
            return Collections.emptyMap();
        }
        long c = of(layer).getNIn();
        if (c <= 0) {
            throw new IllegalStateException(layer.getClass().getSimpleName() + " '" + layer.getLayerName()
                    + "' has per-channel parameters " + keys + " but no channel count: set channels(C) on its builder "
                    + "or give the network an InputType");
        }
        if (flat == null || flat.length() != keys.size() * c) {
            throw new IllegalStateException("layer '" + layer.getLayerName() + "' expects " + keys.size() * c
                    + " parameters (" + keys + ", " + c + " channels each), got "
                    + (flat == null ? "none" : String.valueOf(flat.length())));
        }
        INDArray row = flat.reshape(1, flat.length());
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            out.put(keys.get(i), row.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(i * c, (i + 1) * c)));
        }
        return out;
    }
}
